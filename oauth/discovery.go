package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
)

// discovery is what the client learned about a protected MCP server and
// the authorization server it trusts.
type discovery struct {
	// resource is the value of the RFC 8707 resource parameter: the
	// resource named by the protected resource metadata, or the canonical
	// URI of the server when it has none.
	resource string
	// prm is the protected resource metadata; nil for a 2025-03-26
	// server, which publishes none.
	prm *resourceMetadata
	// issuer is the authorization server's issuer identifier, recorded
	// from validated metadata: the key of stored credentials and the
	// value the RFC 9207 iss parameter must equal.
	issuer string
	as     *serverMetadata
	// legacyEndpoints is true when the server published no metadata at
	// all and the 2025-03-26 default endpoints are used.
	legacyEndpoints bool
}

// discover runs the discovery of the spec's authorization pages for the
// server at target, given the challenge of its 401 or 403 response.
//
// Protected resource metadata comes from the challenge's resource_metadata,
// then the path form, then the root form of the well-known URI. A server
// with none is treated as a 2025-03-26 server: its origin is the
// authorization base URL, with RFC 8414 metadata at the root or, failing
// that, the default endpoints /authorize, /token and /register.
func (f *fetcher) discover(ctx context.Context, target *url.URL, ch oauthChallenge) (*discovery, error) {
	if _, err := checkURL(target.String(), nil); err != nil {
		return nil, fmt.Errorf("mcpclient: oauth discovery: server %w", err)
	}
	var candidates []*url.URL
	if ch.resourceMetadata != "" {
		u, err := checkURL(ch.resourceMetadata, target)
		if err != nil {
			return nil, fmt.Errorf("mcpclient: oauth discovery: resource_metadata: %w", err)
		}
		candidates = append(candidates, u)
	}
	for _, raw := range prmURLs(target) {
		u, _ := url.Parse(raw)
		candidates = append(candidates, u)
	}

	var prm resourceMetadata
	var prmURL *url.URL
	for _, u := range candidates {
		found, err := f.getJSON(ctx, u, &prm)
		if err != nil {
			return nil, fmt.Errorf("mcpclient: oauth discovery: protected resource metadata: %w", err)
		}
		if found {
			prmURL = u
			break
		}
	}
	if prmURL == nil {
		return f.discoverLegacy(ctx, target)
	}

	res, err := url.Parse(prm.Resource)
	if prm.Resource == "" || err != nil || !covers(res, target) {
		return nil, fmt.Errorf("%w: %q at %s, for a request to %s", ErrResourceMismatch, prm.Resource, redactURL(prmURL), redactURL(target))
	}
	// RFC 9728 section 7.6 leaves the choice among several authorization
	// servers to the client: the first whose metadata can be found. A
	// refused one (a forged issuer, an insecure endpoint) ends the search.
	var meta *serverMetadata
	var tried []string
	for _, as := range prm.AuthorizationServers {
		u, err := checkURL(as, prmURL)
		if err != nil || u.RawQuery != "" {
			tried = append(tried, as)
			continue
		}
		meta, err = f.serverMetadata(ctx, as, u)
		if err == nil {
			break
		}
		if !errors.Is(err, ErrNoMetadata) {
			return nil, err
		}
		tried = append(tried, as)
	}
	if meta == nil {
		return nil, fmt.Errorf("mcpclient: oauth discovery: no usable authorization server in %s (tried %q): %w", redactURL(prmURL), tried, ErrNoMetadata)
	}
	f.logger.Debug("oauth discovered", "resource", prm.Resource, "issuer", meta.Issuer, "prm", redactURL(prmURL))
	return &discovery{resource: prm.Resource, prm: &prm, issuer: meta.Issuer, as: meta}, nil
}

// serverMetadata fetches and validates the metadata of the authorization
// server with identifier issuer, trying the well-known URLs in the spec's
// order. A document whose issuer is not identical to issuer ends the
// search with ErrIssuerMismatch: it is not used, and a server that serves
// a forged document is not trusted with the next candidate either.
func (f *fetcher) serverMetadata(ctx context.Context, issuer string, issuerURL *url.URL) (*serverMetadata, error) {
	for _, raw := range asMetadataURLs(issuerURL) {
		u, _ := url.Parse(raw)
		var meta serverMetadata
		found, err := f.getJSON(ctx, u, &meta)
		if err != nil {
			return nil, fmt.Errorf("mcpclient: oauth discovery: authorization server metadata: %w", err)
		}
		if !found {
			continue
		}
		if meta.Issuer != issuer {
			return nil, fmt.Errorf("%w: metadata at %s names issuer %q, want %q", ErrIssuerMismatch, redactURL(u), meta.Issuer, issuer)
		}
		if err := meta.checkEndpoints(u); err != nil {
			return nil, err
		}
		return &meta, nil
	}
	return nil, fmt.Errorf("mcpclient: oauth discovery: issuer %s: %w", issuer, ErrNoMetadata)
}

// discoverLegacy handles a server without protected resource metadata, as
// the 2025-03-26 revision describes: the authorization server is at the
// server's origin. Its RFC 8414 document must name an issuer on that
// origin; that revision did not define issuer identifiers, so one with a
// path is accepted (and recorded), but never another host.
func (f *fetcher) discoverLegacy(ctx context.Context, target *url.URL) (*discovery, error) {
	base, _ := url.Parse(origin(target))
	d := &discovery{resource: canonicalResource(target), issuer: base.String()}
	u, _ := url.Parse(base.String() + "/.well-known/oauth-authorization-server")
	var meta serverMetadata
	found, err := f.getJSON(ctx, u, &meta)
	if err != nil {
		return nil, fmt.Errorf("mcpclient: oauth discovery: authorization server metadata: %w", err)
	}
	if found {
		iss, err := url.Parse(meta.Issuer)
		if err != nil || meta.Issuer == "" || origin(iss) != base.String() || iss.RawQuery != "" || iss.Fragment != "" {
			return nil, fmt.Errorf("%w: metadata at %s names issuer %q, not on %s", ErrIssuerMismatch, redactURL(u), meta.Issuer, base)
		}
		if err := meta.checkEndpoints(u); err != nil {
			return nil, err
		}
		d.issuer, d.as = meta.Issuer, &meta
		f.logger.Debug("oauth discovered a 2025-03-26 server", "resource", d.resource, "issuer", d.issuer)
		return d, nil
	}
	d.legacyEndpoints = true
	d.as = &serverMetadata{
		Issuer:                d.issuer,
		AuthorizationEndpoint: d.issuer + "/authorize",
		TokenEndpoint:         d.issuer + "/token",
		RegistrationEndpoint:  d.issuer + "/register",
		// The 2025-03-26 fallback assumes PKCE with S256.
		CodeChallengeMethodsSupported: []string{"S256"},
	}
	f.logger.Debug("oauth server publishes no metadata; using the 2025-03-26 default endpoints", "base", d.issuer)
	return d, nil
}

// checkEndpoints refuses metadata whose endpoints are not https (or
// loopback http for a loopback server). from is the document's URL.
func (m *serverMetadata) checkEndpoints(from *url.URL) error {
	for _, e := range []struct{ name, raw string }{
		{"authorization_endpoint", m.AuthorizationEndpoint},
		{"token_endpoint", m.TokenEndpoint},
		{"registration_endpoint", m.RegistrationEndpoint},
	} {
		if e.raw == "" {
			continue
		}
		if _, err := checkURL(e.raw, from); err != nil {
			return fmt.Errorf("mcpclient: oauth discovery: %s of %s: %w", e.name, redactURL(from), err)
		}
	}
	if m.TokenEndpoint == "" {
		return fmt.Errorf("mcpclient: oauth discovery: metadata at %s has no token_endpoint: %w", redactURL(from), ErrNoMetadata)
	}
	return nil
}

// supportsS256 reports whether the metadata lists PKCE with S256.
func (m *serverMetadata) supportsS256() bool {
	return slices.Contains(m.CodeChallengeMethodsSupported, "S256")
}
