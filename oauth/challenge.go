package oauth

import (
	"net/http"
	"strings"
)

// challenge is one authentication challenge of a WWW-Authenticate header
// (RFC 9110 section 11.6.1). Scheme is lower case; parameter names too.
type challenge struct {
	scheme string
	params map[string]string
}

// oauthChallenge is what a 401 or 403 response tells the client: the
// parameters of its Bearer or DPoP challenge (RFC 6750 section 3, RFC 9728
// section 5.1, RFC 9449 section 7.1).
type oauthChallenge struct {
	// present is false when the response had no Bearer or DPoP challenge.
	present bool
	// other is true when the response challenged only with other schemes
	// (Basic, Negotiate): then it is not OAuth's business.
	other bool

	dpop             bool // the DPoP scheme was offered
	resourceMetadata string
	scope            string
	err              string
}

// readChallenge extracts the OAuth challenge of a response. When both a
// DPoP and a Bearer challenge are present their parameters are merged, the
// first non-empty value winning.
func readChallenge(h http.Header) oauthChallenge {
	var oc oauthChallenge
	values := h.Values("WWW-Authenticate")
	for _, v := range values {
		for _, c := range parseChallenges(v) {
			switch c.scheme {
			case "bearer", "dpop":
				oc.present = true
				if c.scheme == "dpop" {
					oc.dpop = true
				}
				oc.resourceMetadata = firstNonEmpty(oc.resourceMetadata, c.params["resource_metadata"])
				oc.scope = firstNonEmpty(oc.scope, c.params["scope"])
				oc.err = firstNonEmpty(oc.err, c.params["error"])
			default:
				oc.other = true
			}
		}
	}
	if oc.present {
		oc.other = false
	}
	return oc
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// parseChallenges parses one WWW-Authenticate field value into its
// challenges. It is lenient: malformed parts are skipped, never fatal,
// since a header the server got wrong should still let discovery run.
func parseChallenges(s string) []challenge {
	var out []challenge
	p := &headerScanner{s: s}
	for {
		p.skipSpaceAndCommas()
		if p.done() {
			return out
		}
		scheme := p.token()
		if scheme == "" {
			// Not a token where a scheme must start: skip one byte.
			p.i++
			continue
		}
		c := challenge{scheme: strings.ToLower(scheme), params: map[string]string{}}
		p.params(c.params)
		out = append(out, c)
	}
}

type headerScanner struct {
	s string
	i int
}

func (p *headerScanner) done() bool { return p.i >= len(p.s) }

func (p *headerScanner) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *headerScanner) skipSpaceAndCommas() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == ',') {
		p.i++
	}
}

// isTokenChar reports the tchar of RFC 9110 section 5.6.2.
func isTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func (p *headerScanner) token() string {
	start := p.i
	for p.i < len(p.s) && isTokenChar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

// params reads the auth-params after a scheme, up to the start of the next
// challenge: a token that is not followed by "=".
func (p *headerScanner) params(into map[string]string) {
	for {
		p.skipSpaceAndCommas()
		if p.done() {
			return
		}
		save := p.i
		name := p.token()
		if name == "" {
			p.i++
			continue
		}
		p.skipSpace()
		if p.done() || p.s[p.i] != '=' {
			// The scheme of the next challenge. (A token68, which OAuth
			// does not use, reads as a parameter with an empty value.)
			p.i = save
			return
		}
		p.i++ // '='
		p.skipSpace()
		var value string
		if !p.done() && p.s[p.i] == '"' {
			value = p.quoted()
		} else {
			value = p.token()
		}
		into[strings.ToLower(name)] = value
	}
}

// quoted reads a quoted-string, undoing backslash escapes. An unterminated
// string runs to the end of the value.
func (p *headerScanner) quoted() string {
	p.i++ // opening quote
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		switch c {
		case '\\':
			if p.i < len(p.s) {
				b.WriteByte(p.s[p.i])
				p.i++
			}
		case '"':
			return b.String()
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
