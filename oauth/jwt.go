package oauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"slices"
)

var b64 = base64.RawURLEncoding

// ParsePrivateKey parses a PEM-encoded private key for Config.ClientKey or
// Config.DPoPKey: PKCS #8 ("PRIVATE KEY"), SEC 1 ("EC PRIVATE KEY") or
// PKCS #1 ("RSA PRIVATE KEY"). It returns an error for anything else,
// including encrypted keys.
func ParsePrivateKey(pemData []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(pemData)
	if block == nil {
		return nil, errors.New("mcpclient: oauth parse private key: no PEM block")
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("mcpclient: oauth parse private key: unsupported PEM block %q", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("mcpclient: oauth parse private key: %w", err)
	}
	s, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("mcpclient: oauth parse private key: %T cannot sign", key)
	}
	if _, err := keyAlgs(s.Public()); err != nil {
		return nil, err
	}
	return s, nil
}

// keyAlgs lists the JWS algorithms a public key can verify, preferred
// first.
func keyAlgs(pub crypto.PublicKey) ([]string, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return []string{"ES256"}, nil
		case elliptic.P384():
			return []string{"ES384"}, nil
		case elliptic.P521():
			return []string{"ES512"}, nil
		}
		return nil, errors.New("mcpclient: oauth key: unsupported elliptic curve")
	case *rsa.PublicKey:
		return []string{"RS256", "PS256", "RS384", "PS384", "RS512", "PS512"}, nil
	case ed25519.PublicKey:
		return []string{"EdDSA"}, nil
	}
	return nil, fmt.Errorf("mcpclient: oauth key: unsupported key type %T", pub)
}

// chooseAlg picks the algorithm for key among those the server supports
// (all, when it does not say).
func chooseAlg(key crypto.Signer, supported []string) (string, error) {
	algs, err := keyAlgs(key.Public())
	if err != nil {
		return "", err
	}
	if len(supported) == 0 {
		return algs[0], nil
	}
	for _, a := range algs {
		if slices.Contains(supported, a) {
			return a, nil
		}
	}
	return "", fmt.Errorf("mcpclient: oauth key: server accepts %q, the key signs %q", supported, algs)
}

// signJWT returns the compact JWS of claims under header (to which alg is
// added), signed by key.
func signJWT(key crypto.Signer, alg string, header, claims map[string]any) (string, error) {
	h := map[string]any{"alg": alg}
	for k, v := range header {
		h[k] = v
	}
	hb, err := json.Marshal(h)
	if err != nil {
		return "", err
	}
	cb, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := b64.EncodeToString(hb) + "." + b64.EncodeToString(cb)
	sig, err := signInput(key, alg, []byte(input))
	if err != nil {
		return "", fmt.Errorf("mcpclient: oauth sign %s: %w", alg, err)
	}
	return input + "." + b64.EncodeToString(sig), nil
}

func signInput(key crypto.Signer, alg string, input []byte) ([]byte, error) {
	var h crypto.Hash
	switch alg {
	case "EdDSA":
		return key.Sign(rand.Reader, input, crypto.Hash(0))
	case "ES256", "RS256", "PS256":
		h = crypto.SHA256
	case "ES384", "RS384", "PS384":
		h = crypto.SHA384
	case "ES512", "RS512", "PS512":
		h = crypto.SHA512
	default:
		return nil, fmt.Errorf("unsupported algorithm %q", alg)
	}
	d := h.New()
	d.Write(input)
	digest := d.Sum(nil)
	switch alg[0] {
	case 'E':
		der, err := key.Sign(rand.Reader, digest, h)
		if err != nil {
			return nil, err
		}
		pub, ok := key.Public().(*ecdsa.PublicKey)
		if !ok {
			return nil, errors.New("not an ECDSA key")
		}
		return ecdsaRaw(der, (pub.Curve.Params().BitSize+7)/8)
	case 'P':
		return key.Sign(rand.Reader, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: h})
	default:
		return key.Sign(rand.Reader, digest, h)
	}
}

// ecdsaRaw converts an ASN.1 ECDSA signature into the fixed-size r||s form
// JWS uses (RFC 7518 section 3.4).
func ecdsaRaw(der []byte, size int) ([]byte, error) {
	var sig struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &sig)
	if err != nil || len(rest) > 0 || sig.R == nil || sig.S == nil {
		return nil, errors.New("malformed ECDSA signature")
	}
	out := make([]byte, 2*size)
	sig.R.FillBytes(out[:size])
	sig.S.FillBytes(out[size:])
	return out, nil
}

// publicJWK returns the public JWK of pub with only its required members
// (RFC 7638 section 3.2), so that it also serves for the thumbprint.
func publicJWK(pub crypto.PublicKey) (map[string]string, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		e, err := k.ECDH()
		if err != nil {
			return nil, err
		}
		b := e.Bytes() // 0x04 || X || Y
		n := (len(b) - 1) / 2
		return map[string]string{
			"kty": "EC",
			"crv": k.Curve.Params().Name,
			"x":   b64.EncodeToString(b[1 : 1+n]),
			"y":   b64.EncodeToString(b[1+n:]),
		}, nil
	case *rsa.PublicKey:
		return map[string]string{
			"kty": "RSA",
			"n":   b64.EncodeToString(k.N.Bytes()),
			"e":   b64.EncodeToString(big.NewInt(int64(k.E)).Bytes()),
		}, nil
	case ed25519.PublicKey:
		return map[string]string{"kty": "OKP", "crv": "Ed25519", "x": b64.EncodeToString(k)}, nil
	}
	return nil, fmt.Errorf("mcpclient: oauth key: unsupported key type %T", pub)
}

// thumbprint is the RFC 7638 SHA-256 thumbprint of a JWK holding only its
// required members; json.Marshal sorts the keys as the RFC requires.
func thumbprint(jwk map[string]string) string {
	b, _ := json.Marshal(jwk)
	sum := sha256.Sum256(b)
	return b64.EncodeToString(sum[:])
}

// randomString returns n random bytes, base64url-encoded.
func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return b64.EncodeToString(b)
}
