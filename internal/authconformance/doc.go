// Package authconformance runs every auth/... client scenario of the
// official MCP conformance suite, in its stable and its pre-release
// version, against the program in client/, which uses mcpclient with its
// oauth package. It holds only tests; see auth_test.go.
package authconformance
