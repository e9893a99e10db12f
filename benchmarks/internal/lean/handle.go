package lean

import "strconv"

// endpoint says which protocol eras a transport endpoint serves.
type endpoint uint8

const (
	// bothEras (stdio) serves a request carrying the 2026-07-28 _meta
	// statelessly and any other as 2025-11-25, as a dual-era server does.
	bothEras endpoint = iota
	legacyOnly
	modernOnly
)

// Results that never change.
const (
	legacyToolsResult = `{"tools":[` + toolJSON + `]}`
	modernToolsResult = `{"tools":[` + toolJSON + `],"ttlMs":0,"cacheScope":"public","resultType":"complete",` + serverMeta + `}`
	discoverTail      = `,"capabilities":` + capabilities + `,"ttlMs":0,"cacheScope":"public","resultType":"complete",` + serverMeta + `}`
	allDiscover       = `{"supportedVersions":` + allVersions + discoverTail
	modernDiscover    = `{"supportedVersions":` + modernVersions + discoverTail
)

// handle appends the answer to r to dst and returns it with the JSON-RPC
// error code of the answer (0 for a result). Notifications and the
// client's responses get no answer: dst comes back as it was. It keeps no
// state: the HTTP layer owns sessions, and on stdio nothing an initialize
// negotiates changes how later requests are answered.
func handle(dst []byte, r *request, ep endpoint) ([]byte, int) {
	if r.id == nil || r.response {
		return dst, 0
	}
	if ep == modernOnly || (ep == bothEras && r.hasMeta) {
		return handleModern(dst, r, ep)
	}
	return handleLegacy(dst, r)
}

func handleModern(dst []byte, r *request, ep endpoint) ([]byte, int) {
	supported, discover := allVersions, allDiscover
	if ep == modernOnly {
		supported, discover = modernVersions, modernDiscover
	}
	switch {
	case !r.hasMeta && string(r.method) == "initialize":
		// A legacy client gets the versions this endpoint speaks, the only
		// hint it can show its user (versioning: backward compatibility).
		return appendError(dst, r.id, codeUnsupportedVersion, "mcpclient: lean: unsupported protocol version",
			unsupportedVersionData(supported, r.initVersion)), codeUnsupportedVersion
	case !r.hasMeta:
		return appendError(dst, r.id, codeInvalidParams, "mcpclient: lean: missing _meta "+metaVersionKey, nil), codeInvalidParams
	case string(r.metaVersion) != modernVersion:
		return appendError(dst, r.id, codeUnsupportedVersion, "mcpclient: lean: unsupported protocol version",
			unsupportedVersionData(supported, r.metaVersion)), codeUnsupportedVersion
	case !r.hasCaps:
		return appendError(dst, r.id, codeInvalidParams, "mcpclient: lean: missing _meta "+metaCapsKey, nil), codeInvalidParams
	}
	switch string(r.method) {
	case "tools/call":
		return call(dst, r, true)
	case "tools/list":
		return appendResult(dst, r.id, modernToolsResult), 0
	case "server/discover":
		return appendResult(dst, r.id, discover), 0
	}
	return methodNotFound(dst, r)
}

func handleLegacy(dst []byte, r *request) ([]byte, int) {
	switch string(r.method) {
	case "tools/call":
		return call(dst, r, false)
	case "tools/list":
		return appendResult(dst, r.id, legacyToolsResult), 0
	case "ping":
		return appendResult(dst, r.id, `{}`), 0
	case "initialize":
		return appendInitializeResult(dst, r.id, negotiate(r.initVersion)), 0
	}
	return methodNotFound(dst, r)
}

// negotiate answers initialize with the client's revision when it is one
// this server speaks, and with the latest legacy one otherwise.
func negotiate(asked []byte) string {
	for _, v := range legacyVersions {
		if string(asked) == v {
			return v
		}
	}
	return latestLegacy
}

func methodNotFound(dst []byte, r *request) ([]byte, int) {
	return appendError(dst, r.id, codeMethodNotFound, "mcpclient: lean: method not found: "+strconv.Quote(string(r.method)), nil), codeMethodNotFound
}

// call runs the echo tool. Bad arguments get a JSON-RPC error, as the SDK
// server gives when echo's handler fails.
func call(dst []byte, r *request, modern bool) ([]byte, int) {
	if string(r.name) != ToolName {
		return appendError(dst, r.id, codeInvalidParams, "mcpclient: lean: unknown tool "+strconv.Quote(string(r.name)), nil), codeInvalidParams
	}
	msg, ok := echoMessage(r.args)
	if !ok {
		return appendError(dst, r.id, codeInvalidParams, `mcpclient: lean: arguments must be {"message": string}`, nil), codeInvalidParams
	}
	return appendCallResult(dst, r.id, msg, modern), 0
}
