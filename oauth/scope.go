package oauth

import (
	"slices"
	"strings"
)

// offlineAccess is the OpenID Connect scope that asks for a refresh token.
const offlineAccess = "offline_access"

// initialScope chooses the scope of a first authorization as the spec's
// scope selection strategy says: the challenge's scope, else every scope of
// the protected resource metadata's scopes_supported, else none (the
// parameter is then omitted).
func initialScope(challenged string, prm *resourceMetadata) string {
	if s := strings.Join(strings.Fields(challenged), " "); s != "" {
		return s
	}
	if prm != nil {
		return strings.Join(prm.ScopesSupported, " ")
	}
	return ""
}

// unionScope returns the scopes of a followed by those of b not in a, for a
// step-up that must not lose what was granted before.
func unionScope(a, b string) string {
	out := strings.Fields(a)
	for _, s := range strings.Fields(b) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return strings.Join(out, " ")
}

// coveredBy reports whether every scope of need is in have.
func coveredBy(need, have string) bool {
	h := strings.Fields(have)
	for _, s := range strings.Fields(need) {
		if !slices.Contains(h, s) {
			return false
		}
	}
	return true
}

// withOfflineAccess adds offline_access to a non-empty scope when the
// authorization server lists it, so that a refresh token may be issued.
// An empty scope stays empty: asking for offline_access alone would
// replace the server's default scope.
func withOfflineAccess(scope string, as *serverMetadata) string {
	if scope == "" || !slices.Contains(as.ScopesSupported, offlineAccess) {
		return scope
	}
	return unionScope(scope, offlineAccess)
}

// withoutOfflineAccess removes offline_access: a resource's challenge should
// not carry it, and it says nothing about access to the resource.
func withoutOfflineAccess(scope string) string {
	var out []string
	for _, s := range strings.Fields(scope) {
		if s != offlineAccess {
			out = append(out, s)
		}
	}
	return strings.Join(out, " ")
}
