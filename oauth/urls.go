package oauth

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// isLoopbackHost reports whether host (without port) is "localhost" or a
// loopback IP address. Only these may be reached over plain http.
func isLoopbackHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// checkURL parses raw and enforces the transport rules for every URL the
// package sends a request to: absolute, no credentials or fragment, https,
// or http on a loopback host. namedBy is where the URL came from (the
// document or response that named it), or nil when the caller configured
// it. A non-loopback peer may not name a loopback address, which would
// turn a remote server into a way to reach this machine's services.
func checkURL(raw string, namedBy *url.URL) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInsecureURL, err)
	}
	if !u.IsAbs() || u.Host == "" || u.User != nil || u.Fragment != "" {
		return nil, fmt.Errorf("%w: %q is not an absolute URL without credentials or fragment", ErrInsecureURL, redactURL(u))
	}
	loopback := isLoopbackHost(u.Hostname())
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !loopback {
			return nil, fmt.Errorf("%w: %s uses http on a non-loopback host", ErrInsecureURL, redactURL(u))
		}
	default:
		return nil, fmt.Errorf("%w: %s: scheme %q", ErrInsecureURL, redactURL(u), u.Scheme)
	}
	if loopback && namedBy != nil && !isLoopbackHost(namedBy.Hostname()) {
		return nil, fmt.Errorf("%w: %s, a loopback address, was named by %s", ErrInsecureURL, redactURL(u), redactURL(namedBy))
	}
	return u, nil
}

// origin returns scheme://host[:port] in lower case with the default port
// left out, for comparing origins.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	port := u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host
}

// covers reports whether resource identifies target or a part of the
// server above it: same origin, and resource's path a prefix of target's
// on a segment boundary. RFC 9728 wants them identical; a prefix is also
// accepted because servers commonly name their origin as the resource.
func covers(resource, target *url.URL) bool {
	if origin(resource) != origin(target) || resource.RawQuery != "" {
		return false
	}
	rp := strings.TrimSuffix(resource.EscapedPath(), "/")
	tp := target.EscapedPath()
	return rp == "" || tp == rp || strings.HasPrefix(tp, rp+"/")
}

// canonicalResource is the canonical URI of the MCP server at u (RFC 8707
// section 2): lower-case scheme and host, no query or fragment, and no
// trailing slash on an empty path.
func canonicalResource(u *url.URL) string {
	p := u.EscapedPath()
	if p == "/" {
		p = ""
	}
	return origin(u) + p
}

// prmURLs lists the well-known protected resource metadata URLs for the
// server at u, in the order the spec wants them tried: the path form, then
// the root form.
func prmURLs(u *url.URL) []string {
	const wk = "/.well-known/oauth-protected-resource"
	root := origin(u) + wk
	p := strings.TrimSuffix(u.EscapedPath(), "/")
	if p == "" {
		return []string{root}
	}
	return []string{root + p, root}
}

// asMetadataURLs lists the well-known authorization server metadata URLs
// for issuer in the spec's priority order: RFC 8414 with path insertion,
// OpenID Connect with path insertion, OpenID Connect with path appending;
// for an issuer without a path, RFC 8414 then OpenID Connect.
func asMetadataURLs(issuer *url.URL) []string {
	o := origin(issuer)
	p := strings.TrimSuffix(issuer.EscapedPath(), "/")
	if p == "" {
		return []string{
			o + "/.well-known/oauth-authorization-server",
			o + "/.well-known/openid-configuration",
		}
	}
	return []string{
		o + "/.well-known/oauth-authorization-server" + p,
		o + "/.well-known/openid-configuration" + p,
		o + p + "/.well-known/openid-configuration",
	}
}

// redactURL returns u without its query, fragment and credentials, for
// logs and errors: queries of authorization URLs and redirects carry codes
// and state.
func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	return c.String()
}
