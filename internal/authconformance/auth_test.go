package authconformance

import (
	"strings"
	"testing"

	"github.com/mcpclient/mcpclient/internal/conformance/suite"
)

// TestAuthScenarios runs every auth/... client scenario of both suite
// versions, with no list of expected failures.
func TestAuthScenarios(t *testing.T) {
	suite.Run(t, suite.Options{
		ClientPackage: "github.com/mcpclient/mcpclient/internal/authconformance/client",
		Race:          raceEnabled,
		Want:          []string{"auth/metadata-default", "auth/client-credentials-jwt"},
		Select: func(name string) (bool, string) {
			return strings.HasPrefix(name, "auth/"), ""
		},
	})
}
