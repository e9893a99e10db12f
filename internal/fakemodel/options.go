package fakemodel

import (
	"math/rand/v2"
	"time"
)

// DefaultModel is the model id a Server reports when Options.Model is empty.
const DefaultModel = "fake-model"

// Options configures a Server. The zero value is usable: model DefaultModel, no
// script, DemoBrain answering, no latency, no rate limit, no authentication.
type Options struct {
	// Model is the model id reported in replies and by GET /v1/models; empty
	// means DefaultModel. Requests may name any model.
	Model string

	// Script holds replies served in order, one per accepted request. A request
	// turned away before its reply is chosen (authentication, rate limit,
	// validation, cancellation during Latency) does not use up a step. Once the
	// script is exhausted, Brain answers.
	Script []Step

	// Brain answers requests the script does not cover; nil means DemoBrain.
	Brain Brain

	// Latency, if non-nil, is called once per accepted request; the server waits
	// that long before answering and gives up silently if the request's context
	// ends first. The server serialises calls, so the function need not be safe
	// for concurrent use.
	Latency func() time.Duration

	// Rand drives generated ids (completion ids, missing tool-call ids); nil
	// means a generator seeded from the clock. The server takes ownership of it:
	// do not use it elsewhere concurrently.
	Rand *rand.Rand

	// RateLimit, if non-nil, makes the server answer some requests with 429.
	RateLimit *RateLimit

	// RequireAuth, if non-empty, is the API key every request must present as
	// "Authorization: Bearer <key>"; other requests get 401.
	RequireAuth string

	// MaxBodyBytes bounds a request body; larger bodies get 413. Zero or less
	// means 32 MiB.
	MaxBodyBytes int64

	// DisableRecording stops the server from keeping copies of requests, so that
	// long benchmarks run in constant memory; Requests then returns nil.
	DisableRecording bool
}

// RateLimit simulates a provider's rate limiting. The zero value limits nothing.
type RateLimit struct {
	// Every makes every Every-th authenticated chat request (the Every-th,
	// 2·Every-th, ...) answer 429. Values below 1 disable limiting.
	Every int

	// RetryAfter, when positive, is advertised on each 429 both as Retry-After
	// (whole seconds, rounded up) and as retry-after-ms (milliseconds, rounded up).
	RetryAfter time.Duration
}

// Brain produces the assistant message for a request the script does not cover.
// It receives a private copy of the request, which it may keep or modify. It may
// be called from several goroutines at once. A nil result is sent as an empty
// assistant message.
type Brain func(req *Request) *Message
