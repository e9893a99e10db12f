package conformance

import (
	"strings"
	"testing"

	"github.com/mcpclient/mcpclient/internal/conformance/suite"
)

// excluded are the client scenarios left out, by name prefix, with the
// reason; they show as skipped subtests. Every other client scenario the
// suite lists must pass, with no list of expected failures.
var excluded = []struct{ prefix, why string }{
	{"auth/", "OAuth authorization runs in internal/authconformance"},
	{"sep-2640-", "the skills extension (SEP-2640) is not in scope"},
}

func TestClientScenarios(t *testing.T) {
	suite.Run(t, suite.Options{
		ClientPackage: "github.com/mcpclient/mcpclient/conformance/client",
		Race:          raceEnabled,
		Want:          []string{"initialize", "tools_call"},
		Select: func(name string) (bool, string) {
			if why := exclusion(name); why != "" {
				return false, why
			}
			return true, ""
		},
	})
}

func exclusion(name string) string {
	for _, e := range excluded {
		if strings.HasPrefix(name, e.prefix) {
			return e.why
		}
	}
	return ""
}

func TestExclusion(t *testing.T) {
	for _, tt := range []struct {
		name     string
		excluded bool
	}{
		{"auth/metadata-default", true},
		{"sep-2640-client-no-prefetch", true},
		{"initialize", false},
		{"http-custom-headers", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := exclusion(tt.name) != ""; got != tt.excluded {
				t.Errorf("exclusion(%q) != \"\" = %v, want %v", tt.name, got, tt.excluded)
			}
		})
	}
}
