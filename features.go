package mcpclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"time"
)

// Resource is a resource a server lists.
type Resource struct {
	URI         string          `json:"uri"`
	Name        string          `json:"name"`
	Title       string          `json:"title,omitempty"`
	Description string          `json:"description,omitempty"`
	MIMEType    string          `json:"mimeType,omitempty"`
	Size        *int64          `json:"size,omitempty"`
	Annotations json.RawMessage `json:"annotations,omitempty"`
	Meta        json.RawMessage `json:"_meta,omitempty"`
}

// ResourceTemplate is a parameterised resource (RFC 6570 URI template).
type ResourceTemplate struct {
	URITemplate string          `json:"uriTemplate"`
	Name        string          `json:"name"`
	Title       string          `json:"title,omitempty"`
	Description string          `json:"description,omitempty"`
	MIMEType    string          `json:"mimeType,omitempty"`
	Annotations json.RawMessage `json:"annotations,omitempty"`
}

// ReadResourceResult holds the contents of a read resource.
type ReadResourceResult struct {
	Contents []ResourceContents `json:"contents"`
}

// Prompt is a prompt template a server lists.
type Prompt struct {
	Name        string           `json:"name"`
	Title       string           `json:"title,omitempty"`
	Description string           `json:"description,omitempty"`
	Arguments   []PromptArgument `json:"arguments,omitempty"`
}

// PromptArgument describes one argument of a prompt.
type PromptArgument struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Required    bool   `json:"required,omitempty"`
}

// GetPromptResult is a rendered prompt.
type GetPromptResult struct {
	Description string          `json:"description,omitempty"`
	Messages    []PromptMessage `json:"messages"`
}

// PromptMessage is one message of a rendered prompt.
type PromptMessage struct {
	Role    string  `json:"role"`
	Content Content `json:"content"`
}

// CompletionRef names what is being completed: a prompt ("ref/prompt",
// Name) or a resource template ("ref/resource", URI).
type CompletionRef struct {
	Type string `json:"type"`
	Name string `json:"name,omitempty"`
	URI  string `json:"uri,omitempty"`
}

// Completion is the server's list of suggestions.
type Completion struct {
	Values  []string `json:"values"`
	Total   int      `json:"total,omitempty"`
	HasMore bool     `json:"hasMore,omitempty"`
}

// paginate iterates over the items of a paginated list method, ending with
// an error matching ErrRepeatedCursor if the server repeats a cursor.
func paginate[T any](ctx context.Context, s *Session, method, key string) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		seen := make(map[string]bool)
		cursor := ""
		for page := 0; ; page++ {
			if page == maxToolPages {
				yield(zero, fmt.Errorf("mcpclient: %s: more than %d pages", method, maxToolPages))
				return
			}
			var params any
			if cursor != "" {
				params = struct {
					Cursor string `json:"cursor"`
				}{cursor}
			}
			var res map[string]json.RawMessage
			if err := s.Request(ctx, method, params, &res, nil); err != nil {
				yield(zero, err)
				return
			}
			var items []T
			if raw, ok := res[key]; ok {
				if err := json.Unmarshal(raw, &items); err != nil {
					yield(zero, fmt.Errorf("mcpclient: %s: malformed %s: %w", method, key, err))
					return
				}
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			var next string
			if raw, ok := res["nextCursor"]; ok {
				_ = json.Unmarshal(raw, &next)
			}
			if next == "" {
				return
			}
			if seen[next] {
				yield(zero, fmt.Errorf("%w: %q (%s page %d)", ErrRepeatedCursor, next, method, page+1))
				return
			}
			seen[next] = true
			cursor = next
		}
	}
}

func collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for it, err := range seq {
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}

// ListResources returns every resource of the server, over all pages.
func (s *Session) ListResources(ctx context.Context) ([]*Resource, error) {
	return collect(paginate[*Resource](ctx, s, "resources/list", "resources"))
}

// ListResourceTemplates returns every resource template of the server.
func (s *Session) ListResourceTemplates(ctx context.Context) ([]*ResourceTemplate, error) {
	return collect(paginate[*ResourceTemplate](ctx, s, "resources/templates/list", "resourceTemplates"))
}

// ReadResource reads a resource. An unknown URI is an *RPCError whose code is
// CodeResourceNotFound (legacy servers) or CodeInvalidParams (2026-07-28).
func (s *Session) ReadResource(ctx context.Context, uri string) (*ReadResourceResult, error) {
	params, _ := json.Marshal(struct {
		URI string `json:"uri"`
	}{uri})
	raw, err := s.callWithInput(ctx, "resources/read", params, nil)
	if err != nil {
		return nil, err
	}
	var res ReadResourceResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, fmt.Errorf("mcpclient: resources/read: malformed result: %w", err)
	}
	return &res, nil
}

// ListPrompts returns every prompt of the server.
func (s *Session) ListPrompts(ctx context.Context) ([]*Prompt, error) {
	return collect(paginate[*Prompt](ctx, s, "prompts/list", "prompts"))
}

// GetPrompt renders a prompt with its arguments.
func (s *Session) GetPrompt(ctx context.Context, name string, args map[string]string) (*GetPromptResult, error) {
	params, err := json.Marshal(struct {
		Name      string            `json:"name"`
		Arguments map[string]string `json:"arguments,omitempty"`
	}{name, args})
	if err != nil {
		return nil, err
	}
	raw, err := s.callWithInput(ctx, "prompts/get", params, nil)
	if err != nil {
		return nil, err
	}
	var res GetPromptResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, fmt.Errorf("mcpclient: prompts/get: malformed result: %w", err)
	}
	return &res, nil
}

// Complete asks for completions of one argument's value. context holds
// values of other arguments already chosen; it may be nil.
func (s *Session) Complete(ctx context.Context, ref CompletionRef, argument, value string, context map[string]string) (*Completion, error) {
	p := map[string]any{"ref": ref, "argument": map[string]string{"name": argument, "value": value}}
	if len(context) > 0 {
		p["context"] = map[string]any{"arguments": context}
	}
	var res struct {
		Completion Completion `json:"completion"`
	}
	if err := s.Request(ctx, "completion/complete", p, &res, nil); err != nil {
		return nil, err
	}
	return &res.Completion, nil
}

// SetLogLevel asks the server for log messages of level and above; they
// reach SessionOptions.OnLog. Legacy sessions send logging/setLevel; modern
// ones carry the level in every later request's _meta, as 2026-07-28
// requires.
func (s *Session) SetLogLevel(ctx context.Context, level string) error {
	if s.modern {
		s.level.Store(&level)
		s.setEra(s.version, true)
		return nil
	}
	s.openServerStream(ctx)
	return s.Request(ctx, "logging/setLevel", map[string]string{"level": level}, nil, nil)
}

func (s *Session) logLevel() string {
	if p := s.level.Load(); p != nil {
		return *p
	}
	return s.opts.LogLevel
}

// Subscribe asks for notifications/resources/updated about uri, delivered
// to SessionOptions.OnResourceUpdated: with resources/subscribe on legacy
// sessions, on the subscriptions/listen stream on modern ones.
func (s *Session) Subscribe(ctx context.Context, uri string) error {
	if s.modern {
		s.subMu.Lock()
		s.subURIs[uri] = true
		s.subMu.Unlock()
		s.restartListener()
		return nil
	}
	s.openServerStream(ctx)
	return s.Request(ctx, "resources/subscribe", map[string]string{"uri": uri}, nil, nil)
}

// Unsubscribe stops the notifications Subscribe asked for.
func (s *Session) Unsubscribe(ctx context.Context, uri string) error {
	if s.modern {
		s.subMu.Lock()
		delete(s.subURIs, uri)
		s.subMu.Unlock()
		s.restartListener()
		return nil
	}
	return s.Request(ctx, "resources/unsubscribe", map[string]string{"uri": uri}, nil, nil)
}

// keepAlive pings a legacy server every interval. A server without ping
// (method not found) is left alone; one that does not answer in time is
// taken for dead and the session is closed, failing what is pending.
func (s *Session) keepAlive(interval time.Duration) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-s.ctx.Done():
				return
			case <-s.done:
				return
			case <-t.C:
			}
			_, err := s.call(s.ctx, "ping", nil, &CallOptions{Timeout: interval})
			switch {
			case err == nil:
			case isCode(err, CodeMethodNotFound):
				s.logger.Debug("server does not implement ping; keepalive off")
				return
			case s.ctx.Err() != nil:
				return
			default:
				s.logger.Warn("keepalive ping failed; closing the session", "err", err)
				s.failAll(&ConnectionError{Server: s.name, Err: fmt.Errorf("keepalive: %w", err)})
				s.conn.Close()
				return
			}
		}
	}()
}

func isCode(err error, code int64) bool {
	return err != nil && errors.Is(err, CodeError(code))
}
