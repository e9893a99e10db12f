// Package oauth authorizes mcpclient's HTTP connections to MCP servers that
// are protected by OAuth 2.1, as the authorization pages of the MCP spec
// (2025-11-25 and 2026-07-28) describe, with the 2025-03-26 fallbacks and
// the authorization extensions (client credentials, enterprise-managed
// authorization, DPoP, workload identity).
//
// # Connecting to a protected server
//
// A [Transport] is an http.RoundTripper: give it to the *http.Client of an
// mcpclient.HTTPTransport. With a [LoopbackAuthorizer], a sign-in opens the
// browser and receives the redirect on a loopback port:
//
//	a, err := oauth.NewLoopbackAuthorizer(nil)
//	if err != nil { ... }
//	defer a.Close()
//	rt := oauth.NewTransport(&oauth.Config{
//		RedirectURL: a.RedirectURL(),
//		Authorize:   a.Authorize,
//		Store:       oauth.NewFileStore(filepath.Join(dir, "oauth.json")),
//	})
//	defer rt.Close()
//	s, err := mcpclient.Connect(ctx, &mcpclient.HTTPTransport{
//		URL:        "https://mcp.example.com/mcp",
//		HTTPClient: &http.Client{Transport: rt},
//	}, nil)
//
// # What happens on a 401
//
// The Transport reads the WWW-Authenticate challenge, fetches the protected
// resource metadata (the challenge's resource_metadata, then the path and
// root well-known URIs), checks that it names the server the request went
// to, and fetches the metadata of the first authorization server it lists
// (RFC 8414 and OpenID Connect forms in the spec's order), whose issuer must
// be exactly the one the URL was built from. A server without resource
// metadata is treated as a 2025-03-26 server. The client is the
// pre-registered one, else a client ID metadata document, else one
// registered before, else a new dynamic registration (with
// application_type). The authorization code grant uses PKCE with S256 (a
// server that does not list it is refused), state, the resource parameter
// and the RFC 9207 iss check. Tokens and registrations are stored by issuer
// in a [TokenStore]; a stored token is reused and refreshed, and a refused
// refresh leads back to a sign-in.
//
// # Safety
//
// Discovery, registration and token requests go only over https or to
// loopback hosts, follow no redirects, and reach only the server, the
// addresses its metadata legitimately names and those the caller
// configured. A token is sent only in the Authorization header, only to the
// origin it was obtained for, and is never logged: [Token] and [Client]
// redact themselves when printed or logged.
package oauth
