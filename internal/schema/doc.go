// Package schema adapts JSON Schemas for OpenAI-compatible chat endpoints.
//
// MCP servers describe tool inputs with JSON Schema of any draft, and many
// schemas found in practice are rejected by chat endpoints: arrays without
// "items", "required": null, objects without "properties". [Repair] fixes
// those defects without changing which arguments the schema accepts. [Strict]
// produces the dialect of OpenAI structured outputs ("strict": true) when that
// is possible without losing meaning, and [DropNullOptionals] undoes, on the
// model's arguments, the one change strict mode forces on optional
// properties. [For] derives schemas from Go types for tools implemented in Go.
//
// All functions work on raw JSON and keep numbers exactly as written. Object
// keys come out in sorted order. They never modify their arguments, return
// fresh slices (except where documented to return an argument unchanged) and
// are safe for concurrent use.
package schema
