package mcpclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Error codes of the 2026-07-28 revision.
const (
	CodeHeaderMismatch                  = -32020
	CodeMissingRequiredClientCapability = -32021
	CodeUnsupportedProtocolVersion      = -32022
)

// DefaultDiscoverTimeout bounds the server/discover probe that tells a
// modern server from a legacy one; see [SessionOptions].
//
// It is short because a legacy server may ignore a request sent before
// initialize, and every connection would pay the wait; a modern server
// that misses it is still found, since it refuses the initialize that
// follows with the versions it speaks.
const DefaultDiscoverTimeout = 2 * time.Second

// errLegacyServer ends the modern probe: the server wants initialize.
var errLegacyServer = errors.New("mcpclient: server is legacy")

// handshake selects the protocol era and revision. Without a pinned
// version the session is dual-era, as the spec's versioning page describes:
// it probes with server/discover and falls back to initialize when the
// answer is anything but a modern one.
func (s *Session) handshake(ctx context.Context) error {
	pin := s.opts.ProtocolVersion
	switch {
	case pin != "" && isModernVersion(pin):
		return s.discover(ctx, pin, false)
	case pin != "":
		return s.initialize(ctx)
	}
	err := s.discover(ctx, modernVersions()[0], true)
	if !errors.Is(err, errLegacyServer) {
		return err
	}
	s.logger.Debug("server is legacy; falling back to initialize", "reason", err)
	s.setEra("", false)
	err = s.initialize(ctx)
	// A modern server that was too slow for the probe refuses initialize,
	// naming the versions it speaks: switch forward instead of failing.
	var rpcErr *RPCError
	if errors.As(err, &rpcErr) {
		if v := newestCommon(supportedFromError(rpcErr), modernVersions()); v != "" {
			s.logger.Debug("server refused initialize for a modern revision", "version", v)
			return s.discover(ctx, v, false)
		}
	}
	return err
}

// setEra records the revision in use and precomputes the _meta members that
// every modern request carries, so that no request pays for encoding them.
func (s *Session) setEra(version string, modern bool) {
	s.version, s.modern = version, modern
	s.metaFields.Store(nil)
	if modern {
		info, _ := json.Marshal(s.clientInfo())
		var b []byte
		b = append(b, `"io.modelcontextprotocol/protocolVersion":`...)
		b = appendString(b, version)
		b = append(b, `,"io.modelcontextprotocol/clientInfo":`...)
		b = append(b, info...)
		b = append(b, `,"io.modelcontextprotocol/clientCapabilities":`...)
		b = append(b, s.capabilitiesJSON(true)...)
		if lvl := s.logLevel(); lvl != "" {
			b = append(b, `,"io.modelcontextprotocol/logLevel":`...)
			b = appendString(b, lvl)
		}
		s.metaFields.Store(&b)
	}
	if vs, ok := s.conn.(versionSetter); ok {
		vs.SetProtocolVersion(version)
	}
}

type discoverResult struct {
	SupportedVersions []string        `json:"supportedVersions"`
	Capabilities      json.RawMessage `json:"capabilities"`
	Instructions      string          `json:"instructions"`
	Meta              struct {
		ServerInfo Implementation `json:"io.modelcontextprotocol/serverInfo"`
	} `json:"_meta"`
}

// discover asks the server for its versions and capabilities under version.
// As a probe it reports errLegacyServer for any answer that is not modern.
func (s *Session) discover(ctx context.Context, version string, probe bool) error {
	for attempt := 0; ; attempt++ {
		s.setEra(version, true)
		var opts *CallOptions
		if probe {
			opts = &CallOptions{Timeout: min(s.opts.DiscoverTimeout, s.opts.RequestTimeout)}
		}
		raw, err := s.call(ctx, "server/discover", nil, opts)
		if err != nil {
			var rpcErr *RPCError
			if errors.As(err, &rpcErr) && rpcErr.Code == CodeUnsupportedProtocolVersion {
				supported := supportedFromError(rpcErr)
				// Retry once with the newest common version, even when it
				// is the one just refused: a server may list a version it
				// refused on one request (its support can change between
				// requests). A second refusal ends the attempt.
				if v := newestCommon(supported, modernVersions()); v != "" && attempt == 0 {
					version = v
					continue
				}
				if probe && newestCommon(supported, legacyVersions()) != "" {
					return fmt.Errorf("%w: it supports %s", errLegacyServer, strings.Join(supported, ", "))
				}
				return &VersionError{Server: strings.Join(supported, ", "), Supported: SupportedVersions()}
			}
			if probe && (errors.As(err, &rpcErr) || errors.Is(err, ErrTimeout) || isRequestFailure(err)) {
				return fmt.Errorf("%w: %v", errLegacyServer, err)
			}
			return fmt.Errorf("mcpclient: server/discover: %w", err)
		}
		var res discoverResult
		err = json.Unmarshal(raw, &res)
		if probe && (err != nil || len(res.SupportedVersions) == 0) {
			// Legacy servers may answer a method they do not know with an
			// empty result instead of an error; a modern server always
			// lists its versions.
			return fmt.Errorf("%w: server/discover answered without supportedVersions", errLegacyServer)
		}
		if err != nil {
			return fmt.Errorf("mcpclient: server/discover: malformed result: %w", err)
		}
		if !contains(res.SupportedVersions, version) {
			if v := newestCommon(res.SupportedVersions, modernVersions()); v != "" {
				version = v
			} else if probe && newestCommon(res.SupportedVersions, legacyVersions()) != "" {
				return fmt.Errorf("%w: it offers only %s", errLegacyServer, strings.Join(res.SupportedVersions, ", "))
			} else {
				return &VersionError{Server: strings.Join(res.SupportedVersions, ", "), Supported: SupportedVersions()}
			}
			s.setEra(version, true)
		}
		s.serverInfo = res.Meta.ServerInfo
		s.capabilities = res.Capabilities
		s.instructions = res.Instructions
		s.logger.Debug("session discovered", "version", s.version, "server_name", s.serverInfo.Name)
		if s.opts.OnToolsChanged != nil {
			// Someone waits for changes: listen from the start. Otherwise
			// the first ListTools opens the stream, since only a cached
			// list needs to hear of changes; a session that only calls
			// tools holds no standing request.
			s.listenForChanges()
		}
		return nil
	}
}

// isRequestFailure reports a transport error for one request (an HTTP 4xx
// from a legacy endpoint, for example), as opposed to the connection's end.
func isRequestFailure(err error) bool {
	var re requestError
	return errors.As(err, &re)
}

func supportedFromError(e *RPCError) []string {
	var data struct {
		Supported []string `json:"supported"`
	}
	_ = json.Unmarshal(e.Data, &data)
	return data.Supported
}

// newestCommon returns the first of ours (newest first) that theirs lists.
func newestCommon(theirs, ours []string) string {
	for _, v := range ours {
		if contains(theirs, v) {
			return v
		}
	}
	return ""
}

// Modern reports whether the session speaks a stateless revision
// (2026-07-28 or later), in which every request carries its own metadata.
func (s *Session) Modern() bool { return s.modern }

// encodeParams returns the params of request id as sent: with the modern
// _meta members, and with a progress token when asked for. The fast path
// splices bytes; only params that already hold _meta are decoded.
func (s *Session) encodeParams(params json.RawMessage, id int64, progress bool, extra []byte) json.RawMessage {
	if !s.modern && !progress && extra == nil {
		return params
	}
	meta := make([]byte, 0, 64)
	meta = append(meta, '{')
	meta = s.appendMetaMembers(meta, id, progress, extra)
	meta = append(meta, '}')

	params = bytes.TrimSpace(params)
	switch {
	case len(params) == 0 || string(params) == "null":
		out := make([]byte, 0, len(meta)+11)
		out = append(out, `{"_meta":`...)
		out = append(out, meta...)
		return append(out, '}')
	case params[0] != '{':
		return params
	case !bytes.Contains(params, []byte(`"_meta"`)):
		out := make([]byte, 0, len(meta)+len(params)+11)
		out = append(out, `{"_meta":`...)
		out = append(out, meta...)
		if rest := bytes.TrimSpace(params[1:]); len(rest) > 0 && rest[0] != '}' {
			out = append(out, ',')
		}
		return append(out, params[1:]...)
	}
	// The caller sent _meta of its own: merge, ours winning for the keys
	// the protocol defines.
	var m map[string]json.RawMessage
	if json.Unmarshal(params, &m) != nil {
		return params
	}
	var theirs, ours map[string]json.RawMessage
	_ = json.Unmarshal(m["_meta"], &theirs)
	_ = json.Unmarshal(meta, &ours)
	if theirs == nil {
		theirs = map[string]json.RawMessage{}
	}
	for k, v := range ours {
		theirs[k] = v
	}
	m["_meta"], _ = json.Marshal(theirs)
	out, err := json.Marshal(m)
	if err != nil {
		return params
	}
	return out
}
