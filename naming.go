package mcpclient

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
)

// maxToolName is the longest function name OpenAI-style endpoints accept.
const maxToolName = 64

// toolKey identifies a tool by where it lives: Server is empty for local Go
// tools.
type toolKey struct {
	Server string
	Tool   string
}

// assignNames gives every tool a function name for the model that matches
// ^[a-zA-Z0-9_-]{1,64}$, is unique among keys, and depends only on the key
// and on which other keys collide with it, so names stay the same from run to
// run. The readable form is "server__tool" (or "tool" for local tools). A
// key keeps it when it is already valid and no other key produces the same
// text; otherwise the name becomes a shortened stem plus a hash of the exact
// key, so keys that differ only in characters the model may not see, or
// beyond the 64th character, still get distinct names.
func assignNames(keys []toolKey) map[toolKey]string {
	readable := make(map[toolKey]string, len(keys))
	claims := make(map[string]int, len(keys))
	for _, k := range keys {
		r := joinName(k)
		readable[k] = r
		claims[r]++
	}
	names := make(map[toolKey]string, len(keys))
	used := make(map[string]bool, len(keys))
	var hashed []toolKey
	for _, k := range keys {
		r := readable[k]
		if claims[r] == 1 && validName(r) {
			names[k] = r
			used[r] = true
			continue
		}
		hashed = append(hashed, k)
	}
	// Sorting makes the rare second-level collision (a hashed name equal to
	// a readable one) resolve the same way every run.
	sort.Slice(hashed, func(i, j int) bool {
		a, b := hashed[i], hashed[j]
		return a.Server < b.Server || (a.Server == b.Server && a.Tool < b.Tool)
	})
	for _, k := range hashed {
		n := hashedName(sanitize(readable[k]), k, 0)
		for salt := 1; used[n]; salt++ {
			n = hashedName(sanitize(readable[k]), k, salt)
		}
		names[k] = n
		used[n] = true
	}
	return names
}

func joinName(k toolKey) string {
	if k.Server == "" {
		return k.Tool
	}
	return k.Server + "__" + k.Tool
}

// hashedName is stem shortened to leave room for "_" and 8 hex digits of a
// hash of the key (and a salt, for the practically impossible clash).
func hashedName(stem string, k toolKey, salt int) string {
	h := sha256.New()
	h.Write([]byte(k.Server))
	h.Write([]byte{0})
	h.Write([]byte(k.Tool))
	for i := 0; i < salt; i++ {
		h.Write([]byte{0})
	}
	sum := hex.EncodeToString(h.Sum(nil))[:8]
	if max := maxToolName - 9; len(stem) > max {
		stem = stem[:max]
	}
	stem = strings.TrimRight(stem, "_-")
	if stem == "" {
		stem = "tool"
	}
	return stem + "_" + sum
}

func validName(s string) bool {
	if len(s) == 0 || len(s) > maxToolName {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !nameByte(s[i]) {
			return false
		}
	}
	return true
}

func nameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// sanitize replaces every byte the model may not see with "_".
func sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !nameByte(c) {
			b[i] = '_'
		}
	}
	return string(b)
}
