package oauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"net/url"
	"slices"
	"sync"
	"time"
)

// dpopSigner makes DPoP proofs (RFC 9449) with one key and remembers the
// nonces servers handed out, by origin. It is safe for concurrent use.
type dpopSigner struct {
	key   crypto.Signer
	algs  []string
	jwk   map[string]string
	thumb string
	now   func() time.Time

	mu     sync.Mutex
	nonces map[string]string
}

func newDPoPSigner(key crypto.Signer, now func() time.Time) (*dpopSigner, error) {
	if key == nil {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		key = k
	}
	algs, err := keyAlgs(key.Public())
	if err != nil {
		return nil, err
	}
	jwk, err := publicJWK(key.Public())
	if err != nil {
		return nil, err
	}
	return &dpopSigner{key: key, algs: algs, jwk: jwk, thumb: thumbprint(jwk), now: now, nonces: map[string]string{}}, nil
}

// usableWith reports whether the server's dpop_signing_alg_values_supported
// allows one of the key's algorithms. "none" and symmetric algorithms are
// never among them, whatever the server lists.
func (d *dpopSigner) usableWith(supported []string) bool {
	for _, a := range d.algs {
		if slices.Contains(supported, a) {
			return true
		}
	}
	return false
}

// proof returns a fresh proof for a request with method to u. accessToken,
// when set, is bound through the ath claim (RFC 9449 section 4.2). The
// nonce last received from u's origin, if any, is included.
func (d *dpopSigner) proof(method string, u *url.URL, accessToken string, supported []string) (string, error) {
	alg, err := chooseAlg(d.key, supported)
	if err != nil {
		return "", err
	}
	htu := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	claims := map[string]any{
		"jti": randomString(18),
		"htm": method,
		"htu": htu.String(),
		"iat": d.now().Unix(),
	}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		claims["ath"] = b64.EncodeToString(sum[:])
	}
	if n := d.nonce(u); n != "" {
		claims["nonce"] = n
	}
	jwk := make(map[string]any, len(d.jwk))
	for k, v := range d.jwk {
		jwk[k] = v
	}
	return signJWT(d.key, alg, map[string]any{"typ": "dpop+jwt", "jwk": jwk}, claims)
}

func (d *dpopSigner) nonce(u *url.URL) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.nonces[origin(u)]
}

// setNonce records a DPoP-Nonce header value of a response from u.
func (d *dpopSigner) setNonce(u *url.URL, nonce string) {
	if nonce == "" || len(nonce) > 1024 {
		return
	}
	d.mu.Lock()
	d.nonces[origin(u)] = nonce
	d.mu.Unlock()
}
