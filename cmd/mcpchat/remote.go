package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"github.com/mcpclient/mcpclient"
	"github.com/mcpclient/mcpclient/oauth"
)

// remoteAuth is what remote servers share: one loopback redirect listener
// for sign-ins and one token file, started only when a remote server is
// configured.
type remoteAuth struct {
	redirectAddr string
	storePath    string
	noBrowser    bool
	stderr       io.Writer
	logger       *slog.Logger

	once       sync.Once
	authorizer *oauth.LoopbackAuthorizer
	store      oauth.TokenStore
	err        error

	mu         sync.Mutex
	transports []*oauth.Transport
}

func (ra *remoteAuth) start() error {
	ra.once.Do(func() {
		open := func(authURL string) error {
			fmt.Fprintf(ra.stderr, "mcpchat: sign in to continue: %s\n", authURL)
			if ra.noBrowser {
				return nil
			}
			_ = oauth.OpenBrowser(authURL) // the printed URL works without a browser
			return nil
		}
		ra.authorizer, ra.err = oauth.NewLoopbackAuthorizer(&oauth.LoopbackOptions{Addr: ra.redirectAddr, Open: open})
		if ra.err != nil {
			return
		}
		path := ra.storePath
		if path == "" {
			if dir, err := os.UserConfigDir(); err == nil {
				path = filepath.Join(dir, "mcpchat", "oauth.json")
			}
		}
		if path != "" {
			ra.store = oauth.NewFileStore(path)
		}
	})
	return ra.err
}

// transport returns the HTTP transport of a remote server: Streamable HTTP
// (with the legacy HTTP+SSE fallback), its headers, and OAuth sign-in when
// the server asks for it.
func (ra *remoteAuth) transport(s serverSpec) (*mcpclient.HTTPTransport, error) {
	if err := ra.start(); err != nil {
		return nil, fmt.Errorf("server %q: start the sign-in listener: %w", s.Name, err)
	}
	cfg := &oauth.Config{
		RedirectURL: ra.authorizer.RedirectURL(),
		Authorize:   ra.authorizer.Authorize,
		Store:       ra.store,
		ClientName:  "mcpchat",
		Logger:      ra.logger.With("server", s.Name),
	}
	if o := s.OAuth; o != nil {
		cfg.ClientID, cfg.ClientSecret = o.ClientID, o.ClientSecret
		cfg.ClientMetadataURL, cfg.Scope = o.ClientMetadataURL, o.Scope
	}
	rt := oauth.NewTransport(cfg)
	ra.mu.Lock()
	ra.transports = append(ra.transports, rt)
	ra.mu.Unlock()
	h := http.Header{}
	for k, v := range s.Headers {
		h.Set(k, v)
	}
	return &mcpclient.HTTPTransport{
		URL:        s.URL,
		HTTPClient: &http.Client{Transport: rt},
		Headers:    h,
		Logger:     ra.logger.With("server", s.Name),
	}, nil
}

// Close ends running sign-ins and the listener.
func (ra *remoteAuth) Close() {
	ra.mu.Lock()
	ts := ra.transports
	ra.transports = nil
	ra.mu.Unlock()
	for _, t := range ts {
		t.Close()
	}
	if ra.authorizer != nil {
		ra.authorizer.Close()
	}
}
