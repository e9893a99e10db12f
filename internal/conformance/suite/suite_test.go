package suite

import (
	"strings"
	"testing"
)

func TestParseList(t *testing.T) {
	out := []byte("Client scenarios (test against a client):\n" +
		"  - initialize [2025-06-18,2025-11-25]\n" +
		"  - auth/metadata-default [2025-11-25]\n" +
		"  - sep-2640-client-no-prefetch [extension]\n" +
		"\nnot a scenario line\n")
	got := ParseList(out)
	want := []string{"initialize", "auth/metadata-default", "sep-2640-client-no-prefetch"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("ParseList = %q, want %q", got, want)
	}
}
