package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/mcpclient/mcpclient/internal/bench"
)

// providerSpec is one OpenAI-compatible endpoint to measure.
type providerSpec struct {
	Name    string
	BaseURL string // http(s) URL with the version path, or fake:[?options]
	Model   string // empty: --model, or the fake's model
	// KeyEnv names the environment variable holding the API key. The key
	// itself never enters a spec, a flag or a file, so it cannot be
	// echoed by mistake.
	KeyEnv string
	Price  *bench.Price
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// parseProviderFlag reads NAME=BASE_URL[,model=M,key-env=VAR,price-in=USD,
// price-out=USD]. Messages quote option names, never values: a value in
// the wrong place may be a key.
func parseProviderFlag(v string) (providerSpec, error) {
	name, rest, ok := strings.Cut(v, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return providerSpec{}, errors.New("mcpclient: parse --provider: " +
			"want NAME=BASE_URL[,model=M,key-env=VAR,price-in=USD,price-out=USD]")
	}
	parts := strings.Split(rest, ",")
	fields := map[string]string{"name": name, "base_url": strings.TrimSpace(parts[0])}
	for _, p := range parts[1:] {
		k, val, ok := strings.Cut(p, "=")
		k = normalizeKey(k)
		if !ok {
			return providerSpec{}, fmt.Errorf("mcpclient: parse --provider %s: option %q has no value (want key=value)", name, k)
		}
		if _, dup := fields[k]; dup {
			return providerSpec{}, fmt.Errorf("mcpclient: parse --provider %s: option %q given twice", name, k)
		}
		fields[k] = strings.TrimSpace(val)
	}
	spec, err := providerFromFields(fields)
	if err != nil {
		return providerSpec{}, fmt.Errorf("mcpclient: parse --provider %s: %w", name, err)
	}
	return spec, nil
}

func normalizeKey(k string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(k)), "-", "_")
}

// providerFromFields builds a spec from name/value pairs, the common form of
// the flag and of both file formats.
func providerFromFields(fields map[string]string) (providerSpec, error) {
	spec := providerSpec{}
	var in, out *float64
	for k, v := range fields {
		switch k {
		case "name":
			spec.Name = v
		case "base_url":
			spec.BaseURL = v
		case "model":
			spec.Model = v
		case "key_env":
			if !envName.MatchString(v) {
				return spec, fmt.Errorf("key-env must name an environment variable (letters, digits, _)")
			}
			spec.KeyEnv = v
		case "price_in", "price_out":
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 {
				return spec, fmt.Errorf("%s must be a price in USD per million tokens", strings.ReplaceAll(k, "_", "-"))
			}
			if k == "price_in" {
				in = &f
			} else {
				out = &f
			}
		case "key", "api_key", "apikey", "token":
			return spec, fmt.Errorf("option %q is not accepted: keys come from the environment only (key-env=VAR)", k)
		default:
			return spec, fmt.Errorf("unknown option %q (want model, key-env, price-in, price-out)", k)
		}
	}
	if spec.Name == "" {
		return spec, fmt.Errorf("no name")
	}
	if !isURL(spec.BaseURL) && !isFakeURL(spec.BaseURL) {
		return spec, fmt.Errorf("the base URL must start with http://, https:// or fake")
	}
	if in != nil || out != nil {
		spec.Price = &bench.Price{}
		if in != nil {
			spec.Price.In = *in
		}
		if out != nil {
			spec.Price.Out = *out
		}
	}
	return spec, nil
}

// loadProviders reads a providers file: JSON ({"providers": [...]} or a
// bare list) when it starts with { or [, otherwise the YAML subset of
// [parseYAMLMaps]. Entries use the flag's option names, with - or _.
func loadProviders(path string) ([]providerSpec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("mcpclient: read providers file: %w", err)
	}
	var entries []map[string]string
	if t := bytes.TrimSpace(data); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		entries, err = jsonEntries(t)
	} else {
		entries, err = parseYAMLMaps(data, "providers")
	}
	if err != nil {
		return nil, fmt.Errorf("mcpclient: read providers file %s: %w", path, err)
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("mcpclient: read providers file %s: no providers", path)
	}
	specs := make([]providerSpec, 0, len(entries))
	for i, e := range entries {
		fields := make(map[string]string, len(e))
		for k, v := range e {
			fields[normalizeKey(k)] = v
		}
		spec, err := providerFromFields(fields)
		if err != nil {
			return nil, fmt.Errorf("mcpclient: read providers file %s: entry %d: %w", path, i+1, err)
		}
		specs = append(specs, spec)
	}
	return specs, nil
}

// jsonEntries reads JSON providers into name/value pairs; numbers keep
// their literal text, so that prices parse the same as from a flag.
func jsonEntries(data []byte) ([]map[string]string, error) {
	var list []map[string]json.RawMessage
	if data[0] == '{' {
		var doc struct {
			Providers []map[string]json.RawMessage `json:"providers"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			return nil, err
		}
		list = doc.Providers
	} else if err := json.Unmarshal(data, &list); err != nil {
		return nil, err
	}
	out := make([]map[string]string, len(list))
	for i, e := range list {
		out[i] = make(map[string]string, len(e))
		for k, raw := range e {
			var s string
			switch {
			case json.Unmarshal(raw, &s) == nil:
			case len(raw) > 0 && (raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')):
				s = string(raw)
			default:
				return nil, fmt.Errorf("entry %d: %q must be a string or a number", i+1, k)
			}
			out[i][k] = s
		}
	}
	return out, nil
}

// checkProviders refuses duplicate names, which would make the report
// ambiguous.
func checkProviders(specs []providerSpec) error {
	seen := map[string]bool{}
	for _, s := range specs {
		if seen[s.Name] {
			return fmt.Errorf("mcpclient: providers: the name %q is used twice", s.Name)
		}
		seen[s.Name] = true
	}
	return nil
}
