package schema

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// OpenAI's published limits for strict schemas, as given in the project
// brief: nesting counts object schemas on the path from the root, and the
// property total covers every object schema, definitions included.
const (
	maxStrictObjectDepth = 10
	maxStrictProperties  = 100
)

// strictKeywords are the keywords strict mode accepts. "format" is further
// limited to strictFormats.
var strictKeywords = map[string]bool{
	"type": true, "properties": true, "required": true, "additionalProperties": true,
	"items": true, "enum": true, "const": true, "anyOf": true, "description": true,
	"$ref": true, "$defs": true, "definitions": true, "pattern": true, "format": true,
	"minimum": true, "maximum": true, "exclusiveMinimum": true, "exclusiveMaximum": true,
	"multipleOf": true, "minItems": true, "maxItems": true,
}

// strictDropped are removed instead of refusing the schema. Most are
// annotations that never affect validation. minLength and maxLength do
// constrain strings, but strict mode rejects them and refusing every schema
// with a length limit would cost far more than the lost limit; the tool
// still validates its own input.
var strictDropped = []string{
	"default", "$schema", "title", "examples", "$comment", "deprecated",
	"readOnly", "writeOnly", "contentEncoding", "contentMediaType",
	"minLength", "maxLength",
}

// strictFormats are the "format" values strict mode accepts; others are
// dropped, since format is an annotation by default.
var strictFormats = map[string]bool{
	"date-time": true, "time": true, "date": true, "duration": true, "email": true,
	"hostname": true, "ipv4": true, "ipv6": true, "uuid": true,
}

// Keywords that only mean something for one kind of value. A schema with an
// explicit type that excludes that kind loses them without changing meaning.
var (
	objectOnlyKeywords = []string{"properties", "required", "additionalProperties"}
	arrayOnlyKeywords  = []string{"items", "minItems", "maxItems"}
)

// Strict returns the strict-mode form of raw (OpenAI structured outputs,
// "strict": true) and ok=true when the schema can be expressed there without
// losing meaning; otherwise nil, false and a short reason that names the
// JSON pointer of the offending subschema. It never modifies raw and is
// safe for concurrent use; nil or invalid raw gives the empty root object.
//
// It starts from [Repair]'s result, so a non-object root comes out wrapped
// (see [WrappedInput]). Every object schema gets "additionalProperties":
// false and lists all its properties in "required"; a property that was
// optional becomes nullable (type "T" becomes ["T","null"], an enum gains
// null, other schemas are wrapped in anyOf with {"type":"null"}), so the
// model sends null for it; [DropNullOptionals] removes those nulls again.
// Root definitions nothing refers to are dropped. Annotations (default,
// $schema, title, examples, $comment, deprecated, readOnly, writeOnly,
// contentEncoding, contentMediaType), format values strict mode lacks, and
// minLength and maxLength are dropped.
//
// The supported keywords are type, properties, required,
// additionalProperties (false only), items, enum, const, anyOf, description,
// $ref, $defs, definitions, pattern, format, minimum, maximum,
// exclusiveMinimum, exclusiveMaximum, multipleOf, minItems and maxItems.
// Strict refuses any other keyword (oneOf, allOf, not, patternProperties,
// uniqueItems, ...); additional properties allowed by true or a schema;
// objects without properties other than the root (free-form objects),
// unless they explicitly forbid additional properties; arrays whose items
// are missing, {} or tuple-form; schemas with no type, anyOf, $ref, enum or
// const; anyOf at the root; non-local or dangling $ref; objects nested more
// than 10 levels deep; and more than 100 properties in total.
func Strict(raw json.RawMessage) (out json.RawMessage, ok bool, reason string) {
	root, _ := repairTree(raw)
	pruneDefinitions(root)
	var s strictifier
	converted, r := s.schema(root, "#", 0, 0, true)
	if r == nil {
		r = s.checkRefs(converted)
	}
	if r != nil {
		return nil, false, r.String()
	}
	out, err := encode(converted)
	if err != nil {
		return nil, false, "schema cannot be encoded"
	}
	return out, true, ""
}

// refusal says where and why a schema cannot be expressed in strict mode.
type refusal struct {
	path, msg string
}

func (r *refusal) String() string { return r.path + ": " + r.msg }

func refuse(path, format string, args ...any) *refusal {
	return &refusal{path: path, msg: fmt.Sprintf(format, args...)}
}

// refUse records a $ref for the final check that it still resolves.
type refUse struct {
	path, ref string
}

// strictifier converts one schema tree in place; it counts properties across
// the whole tree.
type strictifier struct {
	properties int
	refs       []refUse
}

// schema converts v, found at path, depth schema levels and objDepth object
// levels below the root.
func (s *strictifier) schema(v any, path string, depth, objDepth int, isRoot bool) (map[string]any, *refusal) {
	m, isMap := v.(map[string]any)
	if !isMap {
		return nil, refuse(path, "boolean or malformed schema cannot be expressed in strict mode")
	}
	if depth > maxRepairDepth {
		return nil, refuse(path, "schema nested more than %d levels deep", maxRepairDepth)
	}
	for _, k := range strictDropped {
		delete(m, k)
	}
	if f, ok := m["format"].(string); !ok || !strictFormats[f] {
		delete(m, "format")
	}
	for _, k := range sortedKeys(m) {
		if !strictKeywords[k] {
			return nil, refuse(path, "keyword %q is not supported in strict mode", k)
		}
	}
	types, r := s.types(m, path)
	if r != nil {
		return nil, r
	}
	if r := s.checkRef(m, path); r != nil {
		return nil, r
	}
	if e, ok := m["enum"]; ok {
		if list, isList := e.([]any); !isList || len(list) == 0 {
			return nil, refuse(path, "enum is not a non-empty array")
		}
	}
	for _, section := range []string{"$defs", "definitions"} {
		if r := s.definitions(m, section, path, depth); r != nil {
			return nil, r
		}
	}
	if r := s.anyOf(m, path, depth, objDepth, isRoot); r != nil {
		return nil, r
	}
	if slices.Contains(types, "object") {
		if r := s.object(m, path, depth, objDepth, isRoot); r != nil {
			return nil, r
		}
	}
	if slices.Contains(types, "array") {
		if r := s.array(m, path, depth, objDepth); r != nil {
			return nil, r
		}
	}
	return m, nil
}

// types reads the schema's type, giving "object" to a typeless schema with
// properties, and removes keywords the type makes meaningless.
func (s *strictifier) types(m map[string]any, path string) ([]string, *refusal) {
	if t, has := m["type"]; has {
		names, ok := typeNames(t)
		if !ok {
			return nil, refuse(path, "invalid type")
		}
		if !slices.Contains(names, "object") {
			deleteKeys(m, objectOnlyKeywords)
		}
		if !slices.Contains(names, "array") {
			deleteKeys(m, arrayOnlyKeywords)
		}
		return names, nil
	}
	if _, has := m["properties"]; has {
		// Properties say the value is meant to be an object; strict mode
		// needs that said explicitly.
		m["type"] = "object"
		return []string{"object"}, nil
	}
	for _, k := range slices.Concat(objectOnlyKeywords, arrayOnlyKeywords) {
		if _, has := m[k]; has {
			return nil, refuse(path, "keyword %q needs an explicit type in strict mode", k)
		}
	}
	for _, k := range []string{"anyOf", "$ref", "enum", "const"} {
		if _, has := m[k]; has {
			return nil, nil
		}
	}
	return nil, refuse(path, "schema without type accepts any value, which strict mode cannot express")
}

func (s *strictifier) checkRef(m map[string]any, path string) *refusal {
	v, has := m["$ref"]
	if !has {
		return nil
	}
	ref, isString := v.(string)
	if !isString {
		return refuse(path, "$ref is not a string")
	}
	if _, local := pointerTokens(ref); !local {
		return refuse(path, "$ref %q is not a local JSON pointer", ref)
	}
	s.refs = append(s.refs, refUse{path: path, ref: ref})
	return nil
}

// checkRefs verifies, on the finished tree, that every reference resolves;
// wrapping an optional property in anyOf moves it, so pointers into
// properties may break.
func (s *strictifier) checkRefs(root map[string]any) *refusal {
	for _, u := range s.refs {
		if _, ok := resolveRef(root, u.ref); !ok {
			return refuse(u.path, "$ref %q does not resolve", u.ref)
		}
	}
	return nil
}

func (s *strictifier) definitions(m map[string]any, section, path string, depth int) *refusal {
	v, has := m[section]
	if !has {
		return nil
	}
	defs, isMap := v.(map[string]any)
	if !isMap {
		return refuse(path, "%s is not an object", section)
	}
	for _, name := range sortedKeys(defs) {
		// A definition is used wherever it is referenced, so its object
		// nesting is counted from zero.
		c, r := s.schema(defs[name], path+"/"+section+"/"+escapeToken(name), depth+1, 0, false)
		if r != nil {
			return r
		}
		defs[name] = c
	}
	return nil
}

func (s *strictifier) anyOf(m map[string]any, path string, depth, objDepth int, isRoot bool) *refusal {
	v, has := m["anyOf"]
	if !has {
		return nil
	}
	if isRoot {
		return refuse(path, "anyOf at the root is not supported in strict mode")
	}
	list, isList := v.([]any)
	if !isList || len(list) == 0 {
		return refuse(path, "anyOf is not a non-empty array")
	}
	for i, b := range list {
		c, r := s.schema(b, path+"/anyOf/"+strconv.Itoa(i), depth+1, objDepth, false)
		if r != nil {
			return r
		}
		list[i] = c
	}
	return nil
}

func (s *strictifier) object(m map[string]any, path string, depth, objDepth int, isRoot bool) *refusal {
	objDepth++
	if objDepth > maxStrictObjectDepth {
		return refuse(path, "objects nested more than %d levels deep", maxStrictObjectDepth)
	}
	ap, hasAP := m["additionalProperties"]
	if hasAP && ap != false {
		return refuse(path, "additionalProperties other than false cannot be expressed in strict mode")
	}
	props, _ := m["properties"].(map[string]any)
	if len(props) == 0 && !isRoot && !hasAP {
		return refuse(path, "free-form object without properties cannot be expressed in strict mode")
	}
	s.properties += len(props)
	if s.properties > maxStrictProperties {
		return refuse(path, "more than %d properties in total", maxStrictProperties)
	}
	required := map[string]bool{}
	if list, ok := m["required"].([]any); ok {
		for _, e := range list {
			if name, isString := e.(string); isString {
				required[name] = true
			}
		}
	}
	converted := make(map[string]any, len(props))
	names := make([]any, 0, len(props))
	for _, name := range sortedKeys(props) {
		c, r := s.schema(props[name], path+"/properties/"+escapeToken(name), depth+1, objDepth, false)
		if r != nil {
			return r
		}
		if !required[name] {
			c = nullable(c)
		}
		converted[name] = c
		names = append(names, name)
	}
	m["properties"] = converted
	m["required"] = names
	m["additionalProperties"] = false
	return nil
}

func (s *strictifier) array(m map[string]any, path string, depth, objDepth int) *refusal {
	switch it := m["items"].(type) {
	case []any:
		return refuse(path, "tuple-form items are not supported in strict mode")
	case map[string]any:
		if len(it) > 0 {
			c, r := s.schema(it, path+"/items", depth+1, objDepth, false)
			if r != nil {
				return r
			}
			m["items"] = c
			return nil
		}
	}
	return refuse(path, "array items are unconstrained, which strict mode cannot express")
}

// nullable makes a converted property schema also accept null, choosing the
// form that keeps the schema flattest.
func nullable(m map[string]any) map[string]any {
	if _, hasConst := m["const"]; !hasConst {
		switch t := m["type"].(type) {
		case string:
			if t != "null" {
				m["type"] = []any{t, "null"}
			}
			addNullToEnum(m)
			return m
		case []any:
			if !typeIncludes(t, "null") {
				m["type"] = append(t, "null")
			}
			addNullToEnum(m)
			return m
		}
	}
	if branches, ok := m["anyOf"].([]any); ok && onlyKeys(m, "anyOf", "description") {
		for _, b := range branches {
			if bm, isMap := b.(map[string]any); isMap && len(bm) == 1 && bm["type"] == "null" {
				return m
			}
		}
		m["anyOf"] = append(branches, map[string]any{"type": "null"})
		return m
	}
	return map[string]any{"anyOf": []any{m, map[string]any{"type": "null"}}}
}

// addNullToEnum keeps an enum from rejecting the null its type now allows.
func addNullToEnum(m map[string]any) {
	list, ok := m["enum"].([]any)
	if !ok || slices.Contains(list, any(nil)) {
		return
	}
	m["enum"] = append(list, nil)
}

func onlyKeys(m map[string]any, allowed ...string) bool {
	for k := range m {
		if !slices.Contains(allowed, k) {
			return false
		}
	}
	return true
}

func deleteKeys(m map[string]any, keys []string) {
	for _, k := range keys {
		delete(m, k)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
