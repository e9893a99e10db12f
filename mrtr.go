package mcpclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
)

// maxInputRounds bounds the multi round-trip exchanges of one request: a
// server that keeps asking is an error, not a loop.
const maxInputRounds = 10

// inputRequired is a modern InputRequiredResult.
type inputRequired struct {
	ResultType    string                     `json:"resultType"`
	InputRequests map[string]json.RawMessage `json:"inputRequests"`
	RequestState  *string                    `json:"requestState"`
}

type inputRequest struct {
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
}

// callWithInput sends a request that a modern server may answer with
// "input_required": the session then answers the input requests with its
// handlers and retries with inputResponses and the exact requestState, under
// a new id, until the result is complete.
func (s *Session) callWithInput(ctx context.Context, method string, params json.RawMessage, opts *CallOptions) (json.RawMessage, error) {
	for round := 0; ; round++ {
		raw, err := s.call(ctx, method, params, opts)
		if err != nil || !s.modern || !bytes.Contains(raw, []byte(`"input_required"`)) {
			return raw, err
		}
		var ir inputRequired
		if err := json.Unmarshal(raw, &ir); err != nil || ir.ResultType != "input_required" {
			return raw, nil
		}
		if round == maxInputRounds {
			return nil, fmt.Errorf("mcpclient: %s: the server still asked for input after %d rounds", method, maxInputRounds)
		}
		responses, err := s.fulfil(ctx, method, ir.InputRequests)
		if err != nil {
			return nil, err
		}
		if params, err = retryParams(params, responses, ir.RequestState); err != nil {
			return nil, fmt.Errorf("mcpclient: %s: %w", method, err)
		}
	}
}

// fulfil answers every input request with the session's handlers.
func (s *Session) fulfil(ctx context.Context, method string, reqs map[string]json.RawMessage) (map[string]json.RawMessage, error) {
	out := make(map[string]json.RawMessage, len(reqs))
	for key, raw := range reqs {
		var r inputRequest
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, fmt.Errorf("mcpclient: %s: malformed input request %q: %w", method, key, err)
		}
		res, rpcErr := s.serve(ctx, r.Method, r.Params)
		if rpcErr != nil {
			return nil, fmt.Errorf("mcpclient: %s: the server asked for %s (input %q), which failed: %w", method, r.Method, key, rpcErr)
		}
		b, err := json.Marshal(res)
		if err != nil {
			return nil, err
		}
		out[key] = b
	}
	return out, nil
}

// retryParams adds the input responses and the server's state, unchanged, to
// the original params.
func retryParams(params json.RawMessage, responses map[string]json.RawMessage, state *string) (json.RawMessage, error) {
	m := map[string]json.RawMessage{}
	if len(params) > 0 && string(params) != "null" {
		if err := json.Unmarshal(params, &m); err != nil {
			return nil, err
		}
	}
	delete(m, "inputResponses")
	delete(m, "requestState")
	if len(responses) > 0 {
		b, err := json.Marshal(responses)
		if err != nil {
			return nil, err
		}
		m["inputResponses"] = b
	}
	if state != nil {
		b, _ := json.Marshal(*state)
		m["requestState"] = b
	}
	return json.Marshal(m)
}
