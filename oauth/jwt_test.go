package oauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"testing"
)

// verifyJWT checks a compact JWS against pub and returns its header and
// claims, failing t when it does not verify.
func verifyJWT(t *testing.T, jwt string, pub crypto.PublicKey) (header, claims map[string]any) {
	t.Helper()
	header, claims, err := checkJWT(jwt, pub)
	if err != nil {
		t.Fatalf("JWT %.40s...: %v", jwt, err)
	}
	return header, claims
}

// checkJWT verifies a compact JWS against pub with the standard library's
// verifiers, independent of the package's signing code.
func checkJWT(jwt string, pub crypto.PublicKey) (header, claims map[string]any, err error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return nil, nil, fmt.Errorf("%d parts, want 3", len(parts))
	}
	for i, v := range []*map[string]any{&header, &claims} {
		b, err := b64.DecodeString(parts[i])
		if err != nil || json.Unmarshal(b, v) != nil {
			return nil, nil, fmt.Errorf("part %d is not base64url JSON", i)
		}
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return nil, nil, err
	}
	input := []byte(parts[0] + "." + parts[1])
	alg, _ := header["alg"].(string)
	if len(alg) < 5 {
		return nil, nil, fmt.Errorf("alg %q", alg)
	}
	var h crypto.Hash
	switch alg[len(alg)-3:] {
	case "256":
		h = crypto.SHA256
	case "384":
		h = crypto.SHA384
	case "512":
		h = crypto.SHA512
	}
	ok := false
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		d := h.New()
		d.Write(input)
		n := len(sig) / 2
		ok = ecdsa.Verify(k, d.Sum(nil), new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:]))
	case *rsa.PublicKey:
		d := h.New()
		d.Write(input)
		if alg[0] == 'P' {
			ok = rsa.VerifyPSS(k, h, d.Sum(nil), sig, nil) == nil
		} else {
			ok = rsa.VerifyPKCS1v15(k, h, d.Sum(nil), sig) == nil
		}
	case ed25519.PublicKey:
		ok = ed25519.Verify(k, input, sig)
	}
	if !ok {
		return nil, nil, fmt.Errorf("%s signature does not verify", alg)
	}
	return header, claims, nil
}

func TestSignJWT(t *testing.T) {
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	tests := []struct {
		key       crypto.Signer
		supported []string
		wantAlg   string
	}{
		{p256, nil, "ES256"},
		{p384, nil, "ES384"},
		{rsaKey, nil, "RS256"},
		{rsaKey, []string{"PS256"}, "PS256"},
		{edKey, nil, "EdDSA"},
	}
	for _, tt := range tests {
		t.Run(tt.wantAlg, func(t *testing.T) {
			alg, err := chooseAlg(tt.key, tt.supported)
			if err != nil || alg != tt.wantAlg {
				t.Fatalf("chooseAlg = %q, %v, want %q", alg, err, tt.wantAlg)
			}
			jwt, err := signJWT(tt.key, alg, map[string]any{"typ": "JWT"}, map[string]any{"sub": "me"})
			if err != nil {
				t.Fatal(err)
			}
			header, claims := verifyJWT(t, jwt, tt.key.Public())
			if header["alg"] != tt.wantAlg || header["typ"] != "JWT" || claims["sub"] != "me" {
				t.Errorf("JWT header %v, claims %v, want alg %s, typ JWT, sub me", header, claims, tt.wantAlg)
			}
		})
	}
	if _, err := chooseAlg(p256, []string{"RS256"}); err == nil {
		t.Error("chooseAlg(P-256 key, [RS256]) = nil error, want an error")
	}
}

func TestThumbprint(t *testing.T) {
	// The example of RFC 7638 section 3.1.
	jwk := map[string]string{
		"kty": "RSA",
		"e":   "AQAB",
		"n":   "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
	}
	if got, want := thumbprint(jwk), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"; got != want {
		t.Errorf("thumbprint(RFC 7638 example) = %q, want %q", got, want)
	}
}

func TestParsePrivateKey(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(ec)
	sec1, _ := x509.MarshalECPrivateKey(ec)
	tests := []struct {
		name string
		pem  []byte
		ok   bool
	}{
		{"PKCS #8", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), true},
		{"SEC 1", pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}), true},
		{"PKCS #1", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rk)}), true},
		{"certificate", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}), false},
		{"not PEM", []byte("hello"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParsePrivateKey(tt.pem)
			if (err == nil) != tt.ok || (tt.ok && k == nil) {
				t.Errorf("ParsePrivateKey = %v, %v, want ok %v", k, err, tt.ok)
			}
		})
	}
}
