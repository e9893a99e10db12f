package streamable

import (
	"context"
	"net/http"
	"testing"
)

func TestEncodeHeaderValue(t *testing.T) {
	// The first five rows are the examples of the 2026-07-28 transport page.
	tests := []struct{ in, want string }{
		{"us-west1", "us-west1"},
		{"Hello, 世界", "=?base64?SGVsbG8sIOS4lueVjA==?="},
		{" padded ", "=?base64?IHBhZGRlZCA=?="},
		{"line1\nline2", "=?base64?bGluZTEKbGluZTI=?="},
		{"=?base64?literal?=", "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?="},
		{"", ""},
		{"a b\tc", "a b\tc"},
		{"tab\t", "=?base64?dGFiCQ==?="},
		{"nul\x00", "=?base64?bnVsAA==?="},
		{"del\x7f", "=?base64?ZGVsfw==?="},
		{"file:///projects/app/config.json", "file:///projects/app/config.json"},
		{"=?base64?", "=?base64?"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := EncodeHeaderValue(tt.in)
			if got != tt.want {
				t.Fatalf("EncodeHeaderValue(%q) = %q, want %q", tt.in, got, tt.want)
			}
			back, ok := DecodeHeaderValue(got)
			if !ok || back != tt.in {
				t.Errorf("DecodeHeaderValue(%q) = %q, %v, want %q, true", got, back, ok, tt.in)
			}
		})
	}
	if _, ok := DecodeHeaderValue("=?base64?!!!?="); ok {
		t.Error(`DecodeHeaderValue("=?base64?!!!?=") ok = true, want false`)
	}
}

func TestWithHeaders(t *testing.T) {
	ctx := context.Background()
	if got := HeadersFrom(ctx); got != nil {
		t.Fatalf("HeadersFrom(empty) = %v, want nil", got)
	}
	if WithHeaders(ctx, nil) != ctx {
		t.Error("WithHeaders(ctx, nil) made a new context")
	}
	h := http.Header{"mcp-param-region": {"eu"}, "Traceparent": {"00-a-b-01"}}
	ctx1 := WithHeaders(ctx, h)
	h.Set("Traceparent", "changed")
	ctx2 := WithHeaders(ctx1, http.Header{"Traceparent": {"00-c-d-01"}, "X-Extra": {"1"}})

	tests := []struct {
		ctx  context.Context
		key  string
		want string
	}{
		{ctx1, "Mcp-Param-Region", "eu"},
		{ctx1, "Traceparent", "00-a-b-01"},
		{ctx1, "X-Extra", ""},
		{ctx2, "Mcp-Param-Region", "eu"},
		{ctx2, "Traceparent", "00-c-d-01"},
		{ctx2, "X-Extra", "1"},
	}
	for _, tt := range tests {
		if got := HeadersFrom(tt.ctx).Get(tt.key); got != tt.want {
			t.Errorf("HeadersFrom(ctx).Get(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
	HeadersFrom(ctx1).Set("Traceparent", "mutated")
	if got := HeadersFrom(ctx1).Get("Traceparent"); got != "00-a-b-01" {
		t.Errorf("HeadersFrom returned the stored map: a change made it %q", got)
	}
}
