// Command client is the program that the official MCP conformance suite
// runs for its auth/... client scenarios. The suite starts a protected test
// server (and its authorization server) for one scenario, runs this program
// with the server's URL as its last argument, the scenario's name in
// MCP_CONFORMANCE_SCENARIO and, for some scenarios, credentials in
// MCP_CONFORMANCE_CONTEXT, and then judges what the program sent.
//
// The program uses only the public API of mcpclient and its oauth package,
// configured as an application would be: an oauth.Transport under an
// mcpclient.HTTPTransport. It connects, lists the tools, calls the suite's
// test tool and closes. It logs to stderr and exits with status 0 when all
// of that worked, 1 when something failed and 2 on misuse.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/mcpclient/mcpclient"
	"github.com/mcpclient/mcpclient/oauth"
)

// deadline bounds one run, below the suite's default timeout of 30s so that
// a hung exchange ends with this program's own report.
const deadline = 25 * time.Second

// redirectURL is the redirect URI the client registers. Nothing listens
// there: the suite's authorization server redirects at once, and
// authorize reads the redirect from its Location header.
const redirectURL = "http://localhost:3000/callback"

// cimdURL is the client ID metadata document URL that the suite's
// auth/basic-cimd scenario expects as client ID.
const cimdURL = "https://conformance-test.local/client-metadata.json"

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stderr))
}

// scenarioContext is the suite's MCP_CONFORMANCE_CONTEXT.
type scenarioContext struct {
	ClientID         string `json:"client_id"`
	ClientSecret     string `json:"client_secret"`
	PrivateKeyPEM    string `json:"private_key_pem"`
	IDPClientID      string `json:"idp_client_id"`
	IDPIDToken       string `json:"idp_id_token"`
	IDPTokenEndpoint string `json:"idp_token_endpoint"`
	ValidJWT         string `json:"valid_jwt"`
}

func run(args []string, getenv func(string) string, stderr io.Writer) int {
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: client <server-url>  (scenario in MCP_CONFORMANCE_SCENARIO)")
		return 2
	}
	serverURL := args[len(args)-1]
	scenario := getenv("MCP_CONFORMANCE_SCENARIO")
	var sc scenarioContext
	if raw := getenv("MCP_CONFORMANCE_CONTEXT"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &sc); err != nil {
			logger.Error("MCP_CONFORMANCE_CONTEXT is not valid JSON", "err", err)
			return 2
		}
	}
	cfg, err := configure(scenario, sc, logger)
	if err != nil {
		logger.Error("cannot configure the scenario", "scenario", scenario, "err", err)
		return 2
	}

	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	rt := oauth.NewTransport(cfg)
	defer rt.Close()
	if err := exercise(ctx, serverURL, rt, logger); err != nil {
		logger.Error("scenario failed", "scenario", scenario, "err", err)
		return 1
	}
	logger.Info("scenario done", "scenario", scenario)
	return 0
}

// configure sets up the oauth.Config an application in the scenario's
// situation would have: the credentials it was given, and the grant its
// deployment uses.
func configure(scenario string, sc scenarioContext, logger *slog.Logger) (*oauth.Config, error) {
	cfg := &oauth.Config{
		RedirectURL:  redirectURL,
		Authorize:    authorize,
		ClientName:   "mcpclient-conformance",
		ClientID:     sc.ClientID,
		ClientSecret: sc.ClientSecret,
		DPoP:         true,
		Logger:       logger,
	}
	switch scenario {
	case "auth/basic-cimd":
		// Only here: elsewhere a CIMD client ID would make the suite try
		// to fetch this unreachable document.
		cfg.ClientMetadataURL = cimdURL
	case "auth/client-credentials-basic":
		cfg.Grant = oauth.GrantClientCredentials
	case "auth/client-credentials-jwt":
		key, err := oauth.ParsePrivateKey([]byte(sc.PrivateKeyPEM))
		if err != nil {
			return nil, err
		}
		cfg.Grant = oauth.GrantClientCredentials
		cfg.ClientKey = key
	case "auth/enterprise-managed-authorization", "auth/cross-app-access-complete-flow":
		idToken := sc.IDPIDToken
		e := &oauth.Enterprise{
			TokenEndpoint: sc.IDPTokenEndpoint,
			ClientID:      sc.IDPClientID,
			IDToken:       func(context.Context) (string, error) { return idToken, nil },
		}
		cfg.Assertion = e.Assertion
	case "auth/wif-jwt-bearer":
		jwt := sc.ValidJWT
		cfg.Assertion = func(context.Context, oauth.AssertionRequest) (string, error) { return jwt, nil }
	}
	return cfg, nil
}

// exercise does what an application would: connect, list the tools, call
// one, close.
func exercise(ctx context.Context, serverURL string, rt http.RoundTripper, logger *slog.Logger) error {
	s, err := mcpclient.Connect(ctx, &mcpclient.HTTPTransport{
		URL:        serverURL,
		HTTPClient: &http.Client{Transport: rt},
		Logger:     logger,
	}, &mcpclient.SessionOptions{
		Name:       "auth-conformance",
		Logger:     logger,
		ClientInfo: &mcpclient.Implementation{Name: "mcpclient-auth-conformance", Version: "1.0.0"},
	})
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer s.Close()
	logger.Info("connected", "version", s.ProtocolVersion())
	tools, err := s.ListTools(ctx)
	if err != nil {
		return fmt.Errorf("list tools: %w", err)
	}
	logger.Info("listed tools", "count", len(tools))
	if _, err := s.CallTool(ctx, "test-tool", map[string]any{}, nil); err != nil {
		return fmt.Errorf("call test-tool: %w", err)
	}
	return nil
}

// authorize plays the user's browser: the suite's authorization server
// approves at once and redirects, so fetching the authorization URL
// without following the redirect yields the redirect URL with the code.
// Only loopback addresses are fetched: the suite's servers run there.
func authorize(ctx context.Context, authURL string) (string, error) {
	u, err := url.Parse(authURL)
	if err != nil {
		return "", err
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return "", fmt.Errorf("refusing to fetch a non-loopback authorization URL (host %s)", u.Hostname())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
	if err != nil {
		return "", err
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	loc := resp.Header.Get("Location")
	if loc == "" {
		return "", errors.New("the authorization endpoint did not redirect (status " + resp.Status + ")")
	}
	return loc, nil
}
