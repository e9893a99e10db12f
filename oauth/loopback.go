package oauth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"runtime"
	"sync"
	"time"
)

// LoopbackAuthorizer receives authorization responses on a loopback
// redirect URI (RFC 8252 section 7.3), for command-line and desktop
// programs: its Authorize method shows the authorization URL to the user
// (by default in the browser) and returns the redirect the browser brings
// back. Use it as
//
//	a, err := oauth.NewLoopbackAuthorizer(nil)
//	defer a.Close()
//	cfg := &oauth.Config{RedirectURL: a.RedirectURL(), Authorize: a.Authorize}
//
// Authorize ignores callbacks whose state is not the one of the URL it is
// waiting for, so a stray request cannot end a sign-in. A
// LoopbackAuthorizer is safe for concurrent use.
type LoopbackAuthorizer struct {
	redirect string
	open     func(authURL string) error
	srv      *http.Server
	served   chan struct{} // closed when the server goroutine ends

	mu      sync.Mutex
	waiting map[string]chan string // by state; each buffered, sent to once
}

// LoopbackOptions configures a [LoopbackAuthorizer].
type LoopbackOptions struct {
	// Addr is the loopback address to listen on. Empty means
	// "127.0.0.1:0": any free port. Servers that require a registered
	// redirect URI with a fixed port need a fixed one here.
	Addr string
	// Path is the redirect URI's path; empty means "/callback".
	Path string
	// Open shows the authorization URL to the user. nil means
	// [OpenBrowser]. A program may wrap it to also print the URL.
	Open func(authURL string) error
}

// NewLoopbackAuthorizer starts listening. opts may be nil. It fails for an
// address that is not loopback or cannot be listened on.
func NewLoopbackAuthorizer(opts *LoopbackOptions) (*LoopbackAuthorizer, error) {
	var o LoopbackOptions
	if opts != nil {
		o = *opts
	}
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.Path == "" {
		o.Path = "/callback"
	}
	if o.Open == nil {
		o.Open = OpenBrowser
	}
	host, _, err := net.SplitHostPort(o.Addr)
	if err != nil || !isLoopbackHost(host) {
		return nil, fmt.Errorf("mcpclient: oauth loopback: %q is not a loopback address", o.Addr)
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("mcpclient: oauth loopback: %w", err)
	}
	redirect := url.URL{Scheme: "http", Host: ln.Addr().String(), Path: o.Path}
	a := &LoopbackAuthorizer{
		redirect: redirect.String(),
		open:     o.Open,
		served:   make(chan struct{}),
		waiting:  map[string]chan string{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+o.Path, a.callback)
	a.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(a.served)
		a.srv.Serve(ln)
	}()
	return a, nil
}

// RedirectURL returns the redirect URI to put in Config.RedirectURL.
func (a *LoopbackAuthorizer) RedirectURL() string { return a.redirect }

// Authorize has the signature of Config.Authorize: it opens authURL and
// waits for the matching redirect, or for ctx to end.
func (a *LoopbackAuthorizer) Authorize(ctx context.Context, authURL string) (string, error) {
	u, err := url.Parse(authURL)
	if err != nil {
		return "", err
	}
	state := u.Query().Get("state")
	ch := make(chan string, 1)
	a.mu.Lock()
	a.waiting[state] = ch
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		delete(a.waiting, state)
		a.mu.Unlock()
	}()

	if err := a.open(authURL); err != nil {
		return "", fmt.Errorf("mcpclient: oauth loopback: open the authorization URL: %w", err)
	}
	select {
	case back := <-ch:
		return back, nil
	case <-ctx.Done():
		return "", context.Cause(ctx)
	case <-a.served:
		return "", errors.New("mcpclient: oauth loopback: closed")
	}
}

func (a *LoopbackAuthorizer) callback(w http.ResponseWriter, r *http.Request) {
	state := r.URL.Query().Get("state")
	a.mu.Lock()
	ch := a.waiting[state]
	delete(a.waiting, state)
	a.mu.Unlock()
	if ch == nil {
		http.Error(w, "No sign-in is waiting for this response.", http.StatusBadRequest)
		return
	}
	back := *r.URL
	back.Scheme, back.Host = "http", r.Host
	if u, err := url.Parse(a.redirect); err == nil {
		back.Host = u.Host
	}
	ch <- back.String()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "Authorization received. You can close this window.")
}

// Close stops listening and waits for the server to end; a pending
// Authorize returns an error. It is idempotent.
func (a *LoopbackAuthorizer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := a.srv.Shutdown(ctx)
	<-a.served
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// OpenBrowser opens target in the user's browser: xdg-open on Linux and
// the BSDs, open on macOS, the URL handler on Windows. It returns once the
// opener has started the browser, with the opener's error if it failed.
func OpenBrowser(target string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", target)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", target)
	default:
		cmd = exec.Command("xdg-open", target)
	}
	return cmd.Run()
}
