// Package fakemodel is a fake chat model that speaks the OpenAI Chat Completions
// wire format over HTTP, for tests, the offline demo and benchmarks.
//
// A Server answers POST /v1/chat/completions and GET /v1/models (also without the
// /v1 prefix). It checks each request the way strict hosted providers do and
// answers 400 in OpenAI's error shape when a rule is broken, so a client that
// passes against it is likely to pass against real providers. Replies come from a
// script of Steps and, once the script runs out, from a Brain; DemoBrain is a
// deterministic offline stand-in that can call tools.
//
// The package defines its own wire structs and imports no OpenAI client library,
// so that it can catch disagreements between a client library and the protocol.
package fakemodel
