package schema

// rootRefKeys are the keywords a root may have besides "$ref" and still be
// inlined: definitions, and annotations that do not constrain.
var rootRefKeys = map[string]bool{
	"$ref": true, "$defs": true, "definitions": true, "$schema": true,
	"description": true, "title": true, "$comment": true,
}

// inlineRootRef replaces a root that only refers to one of its own
// definitions, as some schema generators emit, with a copy of that
// definition. Endpoints read the root's type and properties directly and do
// not follow a root $ref, so the model would otherwise see an empty object.
// The definition stays in place for other references to it; the root's own
// description and title win over the definition's.
func inlineRootRef(m map[string]any) map[string]any {
	ref, isRef := m["$ref"].(string)
	if !isRef {
		return m
	}
	for k := range m {
		if !rootRefKeys[k] {
			return m
		}
	}
	tokens, ok := pointerTokens(ref)
	if !ok || len(tokens) != 2 || (tokens[0] != "$defs" && tokens[0] != "definitions") {
		return m
	}
	target, found := resolveRef(m, ref)
	def, isMap := target.(map[string]any)
	if !found || !isMap {
		return m
	}
	// A definition that is its own resource or has nested definitions
	// resolves references differently from the root; leave those alone.
	for _, k := range []string{"$id", "$defs", "definitions"} {
		if _, has := def[k]; has {
			return m
		}
	}
	out := deepCopy(def).(map[string]any)
	for k, v := range m {
		switch k {
		case "$ref":
		case "$defs", "definitions", "$schema", "description", "title", "$comment":
			out[k] = v
		}
	}
	return out
}
