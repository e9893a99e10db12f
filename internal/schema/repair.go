package schema

import (
	"encoding/json"
	"strings"
)

// maxRepairDepth bounds how deep Repair descends; deeper subschemas are
// returned as they are. Real tool schemas are far shallower, and the bound
// keeps hostile input from costing unbounded stack.
const maxRepairDepth = 64

// wrapProperty names the property that holds a non-object root schema after
// Repair wraps it.
const wrapProperty = "input"

// emptyObjectJSON is the schema of a tool that takes no arguments.
var emptyObjectJSON = json.RawMessage(`{"type":"object","properties":{}}`)

// Repair returns a schema every OpenAI-style endpoint accepts in non-strict
// mode, changing what it accepts as little as possible. It never fails,
// never modifies raw and is safe for concurrent use; the result is always a
// fresh JSON object with "type":"object".
//
// The root becomes an object schema: nil, empty, "null", invalid JSON and
// non-objects give {"type":"object","properties":{}}; a root that is only a
// "$ref" to one of its own "$defs" or "definitions" is replaced by a copy of
// that definition (which stays in place); a root without a valid
// "type" (or whose type array includes "object") gets "type":"object"; a root
// object gets "properties":{} when it has none. A root whose type excludes
// objects, such as {"type":"string"}, is wrapped as
// {"type":"object","properties":{"input":<schema>},"required":["input"]};
// its "$schema", "$id", "$defs" and "definitions" move to the new root and
// its local references are rewritten so they still resolve. The caller must
// then pass the model's "input" value, not the whole arguments object, to
// the tool; [WrappedInput] tells when that applies.
//
// At every depth (bounded at 64 levels): a "required" that is not an array
// is removed, and non-string entries of it are dropped; "properties" that is
// null or not an object becomes {}; a schema whose type is or includes
// "array" and has no "items" (or "items": null) gets "items": {}; a null
// subschema becomes {} inside maps and lists and is removed elsewhere. All
// other keywords, including "$ref", "$defs", "definitions" and "$schema",
// are kept.
func Repair(raw json.RawMessage) json.RawMessage {
	root, _ := repairTree(raw)
	out, err := encode(root)
	if err != nil {
		return append(json.RawMessage(nil), emptyObjectJSON...)
	}
	return out
}

// WrappedInput reports whether [Repair] (and so [Strict]) wraps raw's root
// under the "input" property, in which case the tool expects only the
// model's "input" value. It is false for nil, invalid or non-object raw,
// which Repair replaces rather than wraps. Safe for concurrent use.
func WrappedInput(raw json.RawMessage) bool {
	v, err := decode(raw)
	m, isObject := v.(map[string]any)
	return err == nil && isObject && rootNeedsWrap(inlineRootRef(m))
}

// repairTree decodes raw and applies every Repair rule to the fresh tree.
func repairTree(raw []byte) (root map[string]any, wrapped bool) {
	v, err := decode(raw)
	m, isObject := v.(map[string]any)
	if err != nil || !isObject {
		return map[string]any{"type": "object", "properties": map[string]any{}}, false
	}
	m = inlineRootRef(m)
	if rootNeedsWrap(m) {
		m = wrapRoot(m)
		wrapped = true
	} else {
		m["type"] = "object"
	}
	repairNode(m, 0)
	if _, ok := m["properties"]; !ok {
		m["properties"] = map[string]any{}
	}
	return m, wrapped
}

// rootNeedsWrap reports whether the root has a valid type that excludes
// objects. An invalid type is treated like a missing one, because the
// arguments of a tool call are always an object.
func rootNeedsWrap(m map[string]any) bool {
	names, ok := typeNames(m["type"])
	if !ok {
		return false
	}
	for _, n := range names {
		if n == "object" {
			return false
		}
	}
	return true
}

// wrapRoot puts m under the wrap property of a new object schema. Keywords
// that describe the whole document move to the new root, and local
// references are rewritten to the schema's new location.
func wrapRoot(m map[string]any) map[string]any {
	w := map[string]any{
		"type":       "object",
		"properties": map[string]any{wrapProperty: m},
		"required":   []any{wrapProperty},
	}
	for _, k := range []string{"$schema", "$id", "$defs", "definitions"} {
		if v, ok := m[k]; ok {
			w[k] = v
			delete(m, k)
		}
	}
	relocateRefs(w, "/properties/"+wrapProperty, 0)
	return w
}

// relocateRefs prefixes every local pointer reference below m with prefix,
// except references into the root definitions, which moved with the root.
func relocateRefs(m map[string]any, prefix string, depth int) {
	if ref, ok := m["$ref"].(string); ok && (ref == "#" || strings.HasPrefix(ref, "#/")) &&
		!underPointer(ref, "#/$defs") && !underPointer(ref, "#/definitions") {
		m["$ref"] = "#" + prefix + ref[1:]
	}
	if depth >= maxRepairDepth {
		return
	}
	forEachSubschema(m, func(sub map[string]any) { relocateRefs(sub, prefix, depth+1) })
}

func underPointer(ref, base string) bool {
	return ref == base || strings.HasPrefix(ref, base+"/")
}

// repairNode applies the depth-independent rules to m and its subschemas.
func repairNode(m map[string]any, depth int) {
	if r, ok := m["required"]; ok {
		if list, isList := r.([]any); isList {
			kept := list[:0]
			for _, e := range list {
				if _, isString := e.(string); isString {
					kept = append(kept, e)
				}
			}
			m["required"] = kept
		} else {
			delete(m, "required")
		}
	}
	if p, ok := m["properties"]; ok {
		if _, isMap := p.(map[string]any); !isMap {
			m["properties"] = map[string]any{}
		}
	}
	replaceNullSubschemas(m)
	if typeIncludes(m["type"], "array") {
		if _, ok := m["items"]; !ok {
			m["items"] = map[string]any{}
		}
	}
	if depth >= maxRepairDepth {
		return
	}
	forEachSubschema(m, func(sub map[string]any) { repairNode(sub, depth+1) })
}

// replaceNullSubschemas handles null where a schema belongs. Endpoints
// reject it; the empty schema inside maps and lists keeps names and
// positions, and removing a single-schema keyword is its lenient reading.
func replaceNullSubschemas(m map[string]any) {
	for key, v := range m {
		shape := subschemaKeywords[key]
		if shape == 0 {
			continue
		}
		if v == nil {
			delete(m, key)
			continue
		}
		switch shape {
		case shapeMap:
			if entries, isMap := v.(map[string]any); isMap {
				for name, e := range entries {
					if e == nil {
						entries[name] = map[string]any{}
					}
				}
			}
		case shapeList, shapeOne:
			if list, isList := v.([]any); isList {
				for i, e := range list {
					if e == nil {
						list[i] = map[string]any{}
					}
				}
			}
		}
	}
}
