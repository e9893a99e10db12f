package schema

import (
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

var (
	timeType            = reflect.TypeFor[time.Time]()
	rawMessageType      = reflect.TypeFor[json.RawMessage]()
	jsonMarshalerType   = reflect.TypeFor[json.Marshaler]()
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textMarshalerType   = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// For derives a JSON Schema (draft 2020-12 compatible, without "$schema")
// describing how encoding/json represents values of type t.
//
// Structs become objects of their JSON properties (exported fields, json tag
// names, "-" skipped, embedded structs flattened); a field is optional when
// it has omitempty or omitzero, is a pointer, or is promoted through an
// embedded pointer, and required otherwise. A `description:"..."` field tag
// becomes "description"; an `enum:"a,b,c"` tag becomes an enum of strings on
// a string field, or on the items of a slice or array of strings. The
// ",string" option makes numbers and booleans strings.
//
// Other kinds: bool is boolean; signed integers are integer; unsigned
// integers are integer with minimum 0; floats are number; strings are
// string; []byte is a base64 string; slices are arrays with items and arrays
// also fix their length; maps with string-kinded keys are objects with
// additionalProperties; pointers are their element. time.Time is a
// date-time string; json.RawMessage, interfaces and other types with their
// own JSON methods accept anything ({}); types with only text methods are
// strings.
//
// Recursive types are placed in "$defs" and referenced with "$ref" ("#" for
// t itself). For returns an error, naming t and the Go field path, for a nil
// t, channels, functions, complex numbers, unsafe pointers, maps with other
// keys, and enum tags on fields that are not strings. Safe for concurrent
// use.
func For(t reflect.Type) (json.RawMessage, error) {
	if t == nil {
		return nil, errors.New("mcpclient: schema.For: nil type")
	}
	t = derefType(t)
	g := &generator{
		root:      t,
		fields:    map[reflect.Type][]structField{},
		recursive: map[reflect.Type]bool{},
		scanning:  map[reflect.Type]bool{},
		scanned:   map[reflect.Type]bool{},
		defNames:  map[reflect.Type]string{},
		usedNames: map[string]bool{},
		defs:      map[string]any{},
	}
	g.scan(t)
	s, err := g.inline(t, "")
	if err != nil {
		return nil, fmt.Errorf("mcpclient: schema.For(%s): %w", t, err)
	}
	if len(g.defs) > 0 {
		s["$defs"] = g.defs
	}
	out, err := encode(s)
	if err != nil {
		return nil, fmt.Errorf("mcpclient: schema.For(%s): %w", t, err)
	}
	return out, nil
}

// generator holds the state of one For call.
type generator struct {
	root   reflect.Type
	fields map[reflect.Type][]structField

	// recursive marks named types that must be referenced instead of
	// inlined; scan finds them.
	recursive map[reflect.Type]bool
	scanning  map[reflect.Type]bool
	scanned   map[reflect.Type]bool

	defNames  map[reflect.Type]string
	usedNames map[string]bool
	defs      map[string]any
}

// fieldsOf caches structFields per type.
func (g *generator) fieldsOf(t reflect.Type) []structField {
	fs, ok := g.fields[t]
	if !ok {
		fs = structFields(t)
		g.fields[t] = fs
	}
	return fs
}

// scan walks the graph of named types depth-first and marks the target of
// every back edge as recursive. Every cycle has a back edge into its first
// visited type, so each cycle gets a marked type and generation ends.
// Unnamed types (pointers, slices, anonymous structs) are looked through,
// since a cycle always passes through a named type.
func (g *generator) scan(t reflect.Type) {
	if isLeafType(t) {
		return
	}
	if t.Name() == "" {
		g.scanParts(t)
		return
	}
	if g.scanning[t] {
		g.recursive[t] = true
		return
	}
	if g.scanned[t] {
		return
	}
	g.scanning[t] = true
	g.scanParts(t)
	delete(g.scanning, t)
	g.scanned[t] = true
}

func (g *generator) scanParts(t reflect.Type) {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		g.scan(t.Elem())
	case reflect.Struct:
		for _, f := range g.fieldsOf(t) {
			g.scan(f.typ)
		}
	}
}

// isLeafType reports types whose schema does not depend on their parts.
func isLeafType(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map, reflect.Struct:
		return t == timeType || t == rawMessageType || hasJSONMethods(t) || hasTextMethods(t)
	}
	return true
}

func hasJSONMethods(t reflect.Type) bool {
	return implements(t, jsonMarshalerType) || implements(t, jsonUnmarshalerType)
}

func hasTextMethods(t reflect.Type) bool {
	return implements(t, textMarshalerType) || implements(t, textUnmarshalerType)
}

// implements checks t and *t, since encoding/json uses pointer methods of
// addressable values and decodes through pointers.
func implements(t, iface reflect.Type) bool {
	if t.Kind() == reflect.Interface {
		return false
	}
	return t.Implements(iface) || (t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(iface))
}

// schema returns the schema for t at Go field path path, referring to
// recursive types instead of inlining them.
func (g *generator) schema(t reflect.Type, path string) (map[string]any, error) {
	if !g.recursive[t] {
		return g.inline(t, path)
	}
	if t == g.root {
		return map[string]any{"$ref": "#"}, nil
	}
	name, defined := g.defNames[t]
	if !defined {
		name = g.defName(t)
		g.defNames[t] = name
		body, err := g.inline(t, path)
		if err != nil {
			return nil, err
		}
		g.defs[name] = body
	}
	return map[string]any{"$ref": "#/$defs/" + escapeToken(name)}, nil
}

// defName gives t a unique, readable $defs key.
func (g *generator) defName(t reflect.Type) string {
	base := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '.', r == '-':
			return r
		}
		return '_'
	}, t.Name())
	name := base
	for i := 2; g.usedNames[name]; i++ {
		name = base + "_" + strconv.Itoa(i)
	}
	g.usedNames[name] = true
	return name
}

// inline builds the schema for t itself.
func (g *generator) inline(t reflect.Type, path string) (map[string]any, error) {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}, nil
	case t == rawMessageType, hasJSONMethods(t):
		return map[string]any{}, nil
	case hasTextMethods(t):
		return map[string]any{"type": "string"}, nil
	}
	switch t.Kind() {
	case reflect.Bool:
		return map[string]any{"type": "boolean"}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return map[string]any{"type": "integer"}, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return map[string]any{"type": "integer", "minimum": json.Number("0")}, nil
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}, nil
	case reflect.String:
		return map[string]any{"type": "string"}, nil
	case reflect.Interface:
		return map[string]any{}, nil
	case reflect.Pointer:
		return g.schema(t.Elem(), path)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && !hasJSONMethods(t.Elem()) && !hasTextMethods(t.Elem()) {
			return map[string]any{"type": "string", "contentEncoding": "base64"}, nil
		}
		items, err := g.schema(t.Elem(), path+"[]")
		if err != nil {
			return nil, err
		}
		return map[string]any{"type": "array", "items": items}, nil
	case reflect.Array:
		items, err := g.schema(t.Elem(), path+"[]")
		if err != nil {
			return nil, err
		}
		n := json.Number(strconv.Itoa(t.Len()))
		return map[string]any{"type": "array", "items": items, "minItems": n, "maxItems": n}, nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return nil, fieldError(path, "map key type %s is not a string", t.Key())
		}
		values, err := g.schema(t.Elem(), path+"[key]")
		if err != nil {
			return nil, err
		}
		return map[string]any{"type": "object", "additionalProperties": values}, nil
	case reflect.Struct:
		return g.object(t, path)
	}
	return nil, fieldError(path, "unsupported type %s", t)
}

func (g *generator) object(t reflect.Type, path string) (map[string]any, error) {
	props := map[string]any{}
	var required []any
	for _, f := range g.fieldsOf(t) {
		fpath := f.goPath
		if path != "" {
			fpath = path + "." + f.goPath
		}
		s, err := g.field(f, fpath)
		if err != nil {
			return nil, err
		}
		props[f.name] = s
		if !f.optional {
			required = append(required, f.name)
		}
	}
	m := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		m["required"] = required
	}
	return m, nil
}

// field builds a property schema, applying the field's options and tags.
func (g *generator) field(f structField, path string) (map[string]any, error) {
	var s map[string]any
	if f.quoted && isQuotable(f.typ) {
		s = map[string]any{"type": "string"}
	} else {
		var err error
		if s, err = g.schema(f.typ, path); err != nil {
			return nil, err
		}
	}
	if d, ok := f.tag.Lookup("description"); ok && d != "" {
		s["description"] = d
	}
	if e, ok := f.tag.Lookup("enum"); ok {
		if err := applyEnum(s, f.typ, e, path); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// isQuotable reports the kinds the ",string" option turns into strings.
func isQuotable(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Float32, reflect.Float64,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return true
	}
	return false
}

// applyEnum puts the values of an enum tag on s, or on its items for a
// slice or array of strings.
func applyEnum(s map[string]any, t reflect.Type, tag, path string) error {
	var values []any
	for v := range strings.SplitSeq(tag, ",") {
		if v = strings.TrimSpace(v); v != "" {
			values = append(values, v)
		}
	}
	if len(values) == 0 {
		return nil
	}
	notText := fieldError(path, "enum tag on %s, which is not a string or a list of strings", t)
	base := derefType(t)
	target := s
	if base.Kind() == reflect.Slice || base.Kind() == reflect.Array {
		items, ok := s["items"].(map[string]any)
		if !ok {
			return notText
		}
		target = items
		base = derefType(base.Elem())
	}
	if base.Kind() != reflect.String || target["type"] != "string" {
		return notText
	}
	target["enum"] = values
	return nil
}

// fieldError describes a failure at a Go field path; For adds the
// operation and the root type.
func fieldError(path, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if path == "" {
		return errors.New(msg)
	}
	return fmt.Errorf("field %s: %s", path, msg)
}

func derefType(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}
