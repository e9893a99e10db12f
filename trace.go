package mcpclient

import (
	"context"
	"encoding/json"
)

// TraceContext is W3C trace context to propagate to MCP servers. The
// 2026-07-28 revision carries it in every request's _meta under the keys
// traceparent, tracestate and baggage; older servers accept the same
// members, which _meta allows.
type TraceContext struct {
	Traceparent string
	Tracestate  string
	Baggage     string
}

type traceKey struct{}

// WithTraceContext returns a context whose MCP requests carry tc in _meta,
// so that a server's spans join the caller's trace. Empty fields are left
// out.
func WithTraceContext(ctx context.Context, tc TraceContext) context.Context {
	return context.WithValue(ctx, traceKey{}, encodeTrace(tc))
}

// traceMembers returns the encoded _meta members of ctx's trace context,
// or nil.
func traceMembers(ctx context.Context) []byte {
	b, _ := ctx.Value(traceKey{}).([]byte)
	return b
}

// encodeTrace encodes the members once, when the context is made, not on
// every request.
func encodeTrace(tc TraceContext) []byte {
	var b []byte
	add := func(k, v string) {
		if v == "" {
			return
		}
		if len(b) > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		vb, _ := json.Marshal(v)
		b = append(b, vb...)
	}
	add("traceparent", tc.Traceparent)
	add("tracestate", tc.Tracestate)
	add("baggage", tc.Baggage)
	return b
}
