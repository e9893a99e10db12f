package fakemodel

import (
	"encoding/json"
	"net/http"
)

// Messages of the validation rules that tests are expected to match exactly.
const (
	// MsgImageNotUser is the 400 message for an image_url part in a message
	// whose role is not "user".
	MsgImageNotUser = "Image URLs are only allowed for messages with role 'user'"
	// MsgReasoningRequired is the 400 message for a replayed assistant message
	// that dropped the reasoning_content the server sent with its tool calls.
	MsgReasoningRequired = "the reasoning_content in the thinking mode must be passed back"
)

// apiErrorBody is OpenAI's error envelope.
type apiErrorBody struct {
	Error apiError `json:"error"`
}

type apiError struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    string  `json:"code"`
}

// writeError sends an error in OpenAI's shape, after copying extra headers.
func writeError(w http.ResponseWriter, status int, extra http.Header, code, message string) {
	copyHeader(w.Header(), extra)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	body, _ := json.Marshal(apiErrorBody{Error: apiError{
		Message: message,
		Type:    errorType(status),
		Code:    code,
	}})
	_, _ = w.Write(append(body, '\n'))
}

// errorType maps a status to the error type clients use to classify failures.
func errorType(status int) string {
	switch {
	case status == http.StatusUnauthorized:
		return "authentication_error"
	case status == http.StatusForbidden:
		return "permission_error"
	case status == http.StatusTooManyRequests:
		return "rate_limit_error"
	case status >= 500:
		return "server_error"
	case status >= 400:
		return "invalid_request_error"
	default:
		return "api_error"
	}
}

// errorCode gives scripted errors a code matching their status.
func errorCode(status int) string {
	switch {
	case status == http.StatusUnauthorized:
		return "invalid_api_key"
	case status == http.StatusTooManyRequests:
		return "rate_limit_exceeded"
	case status >= 500:
		return "server_error"
	default:
		return "invalid_request"
	}
}
