package oauth

import "slices"

// resourceMetadata is an OAuth 2.0 Protected Resource Metadata document
// (RFC 9728 section 2), as far as the client uses it.
type resourceMetadata struct {
	Resource                      string   `json:"resource"`
	AuthorizationServers          []string `json:"authorization_servers"`
	ScopesSupported               []string `json:"scopes_supported"`
	DPoPSigningAlgValuesSupported []string `json:"dpop_signing_alg_values_supported"`
	DPoPBoundAccessTokensRequired bool     `json:"dpop_bound_access_tokens_required"`
}

// serverMetadata is an OAuth 2.0 Authorization Server Metadata document
// (RFC 8414 section 2) or OpenID Provider metadata, as far as the client
// uses it.
type serverMetadata struct {
	Issuer                                     string   `json:"issuer"`
	AuthorizationEndpoint                      string   `json:"authorization_endpoint"`
	TokenEndpoint                              string   `json:"token_endpoint"`
	RegistrationEndpoint                       string   `json:"registration_endpoint"`
	ScopesSupported                            []string `json:"scopes_supported"`
	GrantTypesSupported                        []string `json:"grant_types_supported"`
	CodeChallengeMethodsSupported              []string `json:"code_challenge_methods_supported"`
	TokenEndpointAuthMethodsSupported          []string `json:"token_endpoint_auth_methods_supported"`
	TokenEndpointAuthSigningAlgValuesSupported []string `json:"token_endpoint_auth_signing_alg_values_supported"`
	ClientIDMetadataDocumentSupported          bool     `json:"client_id_metadata_document_supported"`
	AuthorizationResponseIssParameterSupported bool     `json:"authorization_response_iss_parameter_supported"`
	DPoPSigningAlgValuesSupported              []string `json:"dpop_signing_alg_values_supported"`
}

// secretAuthMethod picks the token endpoint authentication method for a client
// with a secret: client_secret_basic unless the server lists only
// client_secret_post. An absent list means client_secret_basic (RFC 8414).
func (m *serverMetadata) secretAuthMethod() string {
	l := m.TokenEndpointAuthMethodsSupported
	if len(l) == 0 || slices.Contains(l, authSecretBasic) || !slices.Contains(l, authSecretPost) {
		return authSecretBasic
	}
	return authSecretPost
}

// Token endpoint authentication methods (RFC 7591 section 2, RFC 7523).
const (
	authNone          = "none"
	authSecretBasic   = "client_secret_basic"
	authSecretPost    = "client_secret_post"
	authPrivateKeyJWT = "private_key_jwt"
)
