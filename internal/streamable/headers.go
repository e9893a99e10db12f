package streamable

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
)

type headersKey struct{}

// WithHeaders returns a context that carries h for the message written with
// it: the connection adds these headers to that message's POST. Headers
// already in ctx are kept unless h sets the same name, in which case h's
// values replace them. h is copied; the caller may reuse it. A nil or empty
// h returns ctx unchanged.
func WithHeaders(ctx context.Context, h http.Header) context.Context {
	if len(h) == 0 {
		return ctx
	}
	merged := HeadersFrom(ctx)
	if merged == nil {
		merged = make(http.Header, len(h))
	}
	for k, vs := range h {
		merged[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	return context.WithValue(ctx, headersKey{}, merged)
}

// HeadersFrom returns a copy of the headers [WithHeaders] attached to ctx, or
// nil when there are none.
func HeadersFrom(ctx context.Context) http.Header {
	h, _ := ctx.Value(headersKey{}).(http.Header)
	if h == nil {
		return nil
	}
	return h.Clone()
}

// headersIn returns the headers attached to ctx without copying them; the
// caller must not modify them.
func headersIn(ctx context.Context) http.Header {
	h, _ := ctx.Value(headersKey{}).(http.Header)
	return h
}

const (
	base64Prefix = "=?base64?"
	base64Suffix = "?="
)

// EncodeHeaderValue returns v as the value of an Mcp-Name or Mcp-Param-*
// header, following the 2026-07-28 value encoding: v itself when it is plain
// ASCII (visible characters, inner spaces and tabs), and otherwise
// "=?base64?" + the standard Base64 of its UTF-8 bytes + "?=". Values with
// leading or trailing whitespace, control characters, non-ASCII characters,
// or the shape of an encoded value themselves are encoded, so decoding is
// never ambiguous.
func EncodeHeaderValue(v string) string {
	if plainHeaderValue(v) {
		return v
	}
	return base64Prefix + base64.StdEncoding.EncodeToString([]byte(v)) + base64Suffix
}

// DecodeHeaderValue reverses [EncodeHeaderValue]. It reports false for a
// value with the encoded shape whose Base64 is invalid.
func DecodeHeaderValue(v string) (string, bool) {
	if !encodedShape(v) {
		return v, true
	}
	b, err := base64.StdEncoding.DecodeString(v[len(base64Prefix) : len(v)-len(base64Suffix)])
	if err != nil {
		return "", false
	}
	return string(b), true
}

func plainHeaderValue(v string) bool {
	if v == "" {
		return true
	}
	if isSpace(v[0]) || isSpace(v[len(v)-1]) || encodedShape(v) {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c > 0x7e {
			return false
		}
	}
	return true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

func encodedShape(v string) bool {
	return len(v) >= len(base64Prefix)+len(base64Suffix) &&
		strings.HasPrefix(v, base64Prefix) && strings.HasSuffix(v, base64Suffix)
}
