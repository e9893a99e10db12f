package streamable

import (
	"net/url"
	"testing"
)

func TestSameOrigin(t *testing.T) {
	base, _ := url.Parse("http://127.0.0.1:8080/sse")
	tests := []struct {
		ref  string
		want bool
	}{
		{"/message?sessionId=1", true},
		{"message", true},
		{"http://127.0.0.1:8080/other", true},
		{"HTTP://127.0.0.1:8080/x", true},
		{"//127.0.0.1:8080/x", true},
		{"http://127.0.0.1:8081/message", false},
		{"http://127.0.0.2:8080/message", false},
		{"https://127.0.0.1:8080/message", false},
		{"//evil.example/message", false},
		{"http://localhost:8080/message", false},
		{"http://127.0.0.1/message", false},
	}
	for _, tt := range tests {
		u, err := base.Parse(tt.ref)
		if err != nil {
			t.Fatal(err)
		}
		if got := sameOrigin(base, u); got != tt.want {
			t.Errorf("sameOrigin(%s, %s) = %v, want %v", base, u, got, tt.want)
		}
	}
	def, _ := url.Parse("https://example.test/mcp")
	port, _ := url.Parse("https://example.test:443/msg")
	if !sameOrigin(def, port) {
		t.Errorf("sameOrigin(%s, %s) = false, want true (default port)", def, port)
	}
}
