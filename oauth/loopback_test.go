package oauth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestLoopbackAuthorizer(t *testing.T) {
	var a *LoopbackAuthorizer
	// The "browser" first hits the callback with a stray state, which must
	// be ignored, then with the right one.
	open := func(authURL string) error {
		u, _ := url.Parse(authURL)
		state := u.Query().Get("state")
		go func() {
			for _, s := range []string{"stray", state} {
				resp, err := http.Get(a.RedirectURL() + "?code=abc&state=" + s)
				if err == nil {
					resp.Body.Close()
				}
			}
		}()
		return nil
	}
	var err error
	a, err = NewLoopbackAuthorizer(&LoopbackOptions{Open: open})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if !strings.HasPrefix(a.RedirectURL(), "http://127.0.0.1:") || !strings.HasSuffix(a.RedirectURL(), "/callback") {
		t.Errorf("RedirectURL() = %q, want http://127.0.0.1:<port>/callback", a.RedirectURL())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	back, err := a.Authorize(ctx, "https://auth.example/authorize?state=s1")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(back)
	if u.Query().Get("state") != "s1" || u.Query().Get("code") != "abc" || !strings.HasPrefix(back, a.RedirectURL()) {
		t.Errorf("Authorize = %q, want the redirect with state s1 and code abc", back)
	}
}

func TestLoopbackAuthorizerErrors(t *testing.T) {
	if _, err := NewLoopbackAuthorizer(&LoopbackOptions{Addr: "0.0.0.0:0"}); err == nil {
		t.Error("NewLoopbackAuthorizer(0.0.0.0:0) = nil error, want a refusal of a non-loopback address")
	}
	a, err := NewLoopbackAuthorizer(&LoopbackOptions{Open: func(string) error { return errors.New("no browser") }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authorize(context.Background(), "https://auth.example/a?state=x"); err == nil || !strings.Contains(err.Error(), "no browser") {
		t.Errorf("Authorize with a failing Open = %v, want its error", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	a2, _ := NewLoopbackAuthorizer(&LoopbackOptions{Open: func(string) error { return nil }})
	if _, err := a2.Authorize(ctx, "https://auth.example/a?state=y"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Authorize until the deadline = %v, want DeadlineExceeded", err)
	}
	a.Close()
	a2.Close()
	if err := a.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
}
