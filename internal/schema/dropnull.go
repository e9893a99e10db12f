package schema

import (
	"encoding/json"
	"reflect"
)

// Bounds for DropNullOptionals. maxDropDepth limits how deep arguments are
// followed; maxViewNodes limits the schemas gathered for one value, which
// stops $ref and allOf cycles.
const (
	maxDropDepth = 64
	maxViewNodes = 256
)

// DropNullOptionals removes, from arguments a model produced against
// Strict(raw), the properties whose value is null and which the original
// schema raw did not require: strict mode makes optional properties
// required-but-nullable, while servers expect them absent. It works at every
// object depth raw describes, through properties, items, local $ref (into
// $defs, definitions or elsewhere), allOf, and anyOf/oneOf when the value's
// kind and property names single out one branch; where a branch cannot be
// chosen, nothing any candidate branch requires is dropped.
//
// It returns args itself when nothing is dropped or args is not a JSON
// object, and otherwise a fresh encoding; it never modifies raw or args and
// is safe for concurrent use.
// A raw that [WrappedInput] reports as wrapped is handled like Strict's
// output: the arguments are expected as {"input": ...}.
func DropNullOptionals(raw json.RawMessage, args json.RawMessage) json.RawMessage {
	v, err := decode(args)
	obj, isObject := v.(map[string]any)
	if err != nil || !isObject {
		return args
	}
	// Repair keeps every required name that can match a property, so its
	// tree answers "was this required?" like raw does, and it is the tree
	// Strict built the arguments' shape from.
	root, _ := repairTree(raw)
	d := dropper{root: root}
	if !d.object(root, obj, 0) {
		return args
	}
	out, err := encode(obj)
	if err != nil {
		return args
	}
	return out
}

// dropper walks arguments alongside the schema that describes them.
type dropper struct {
	root map[string]any
}

// value descends into x, which schema describes.
func (d *dropper) value(schema any, x any, depth int) bool {
	if depth > maxDropDepth {
		return false
	}
	switch v := x.(type) {
	case map[string]any:
		return d.object(schema, v, depth)
	case []any:
		return d.array(schema, v, depth)
	}
	return false
}

func (d *dropper) object(schema any, obj map[string]any, depth int) bool {
	w := d.view(schema, "object", obj)
	changed := false
	for name, x := range obj {
		declared := w.properties[name]
		if x == nil {
			if len(declared) > 0 && !w.required[name] {
				delete(obj, name)
				changed = true
			}
			continue
		}
		// With several schemas for one property, dropping by one of them
		// could break another; only an unambiguous schema is followed.
		if len(declared) == 1 && d.value(declared[0], x, depth+1) {
			changed = true
		}
	}
	return changed
}

func (d *dropper) array(schema any, list []any, depth int) bool {
	w := d.view(schema, "array", nil)
	if len(w.items) != 1 {
		return false
	}
	changed := false
	for _, x := range list {
		if d.value(w.items[0], x, depth+1) {
			changed = true
		}
	}
	return changed
}

// view is what every schema applying to one value says about it.
type view struct {
	properties map[string][]any
	required   map[string]bool
	items      []any
	// seen holds the schema objects already gathered, by identity, so that
	// reference cycles end and no schema counts twice.
	seen map[uintptr]bool
}

// view gathers the schemas that apply to a value of the given kind: schema
// itself, its $ref targets, allOf branches and the one anyOf/oneOf branch
// that fits. obj, when the value is an object, helps choose that branch.
func (d *dropper) view(schema any, kind string, obj map[string]any) *view {
	w := &view{properties: map[string][]any{}, required: map[string]bool{}, seen: map[uintptr]bool{}}
	d.gather(w, schema, kind, obj)
	return w
}

func (d *dropper) gather(w *view, schema any, kind string, obj map[string]any) {
	m, isMap := schema.(map[string]any)
	if !isMap || len(w.seen) >= maxViewNodes {
		return
	}
	id := reflect.ValueOf(m).Pointer()
	if w.seen[id] {
		return
	}
	w.seen[id] = true
	if props, ok := m["properties"].(map[string]any); ok {
		for name, p := range props {
			w.properties[name] = append(w.properties[name], p)
		}
	}
	for _, name := range requiredNames(m) {
		w.required[name] = true
	}
	if items, ok := m["items"].(map[string]any); ok {
		w.items = append(w.items, items)
	}
	if ref, ok := m["$ref"].(string); ok {
		if target, found := resolveRef(d.root, ref); found {
			d.gather(w, target, kind, obj)
		}
	}
	if list, ok := m["allOf"].([]any); ok {
		for _, b := range list {
			d.gather(w, b, kind, obj)
		}
	}
	for _, key := range []string{"anyOf", "oneOf"} {
		if list, ok := m[key].([]any); ok {
			d.choose(w, list, kind, obj)
		}
	}
}

// choose gathers the anyOf/oneOf branch that fits the value. When none or
// several fit, it only records what the candidates require, so that no
// property one of them requires is dropped.
func (d *dropper) choose(w *view, branches []any, kind string, obj map[string]any) {
	var fits []map[string]any
	for _, b := range branches {
		if bm := d.deref(b); bm != nil && acceptsKind(bm, kind) {
			fits = append(fits, bm)
		}
	}
	if len(fits) > 1 && kind == "object" {
		var matching []map[string]any
		for _, bm := range fits {
			if propertiesMatch(bm, obj, w.properties) {
				matching = append(matching, bm)
			}
		}
		if len(matching) == 1 {
			fits = matching
		}
	}
	if len(fits) == 1 {
		d.gather(w, fits[0], kind, obj)
		return
	}
	for _, bm := range fits {
		for _, name := range requiredNames(bm) {
			w.required[name] = true
		}
	}
}

// deref follows a chain of pure references to the schema object at its
// end, giving up after a bounded number of hops.
func (d *dropper) deref(schema any) map[string]any {
	for range maxViewNodes {
		m, isMap := schema.(map[string]any)
		if !isMap {
			return nil
		}
		ref, isRef := m["$ref"].(string)
		if !isRef || len(m) > 1 {
			return m
		}
		target, found := resolveRef(d.root, ref)
		if !found {
			return m
		}
		schema = target
	}
	return nil
}

// acceptsKind reports whether a branch may describe a value of kind
// ("object" or "array"); a branch without a type may.
func acceptsKind(m map[string]any, kind string) bool {
	t, has := m["type"]
	return !has || typeIncludes(t, kind)
}

// propertiesMatch reports whether obj has exactly the shape branch m gives
// it in strict mode: every property m declares is present (strict mode
// requires them all), and every key of obj is declared by m or by the
// schemas gathered so far.
func propertiesMatch(m map[string]any, obj map[string]any, gathered map[string][]any) bool {
	props, _ := m["properties"].(map[string]any)
	for name := range props {
		if _, ok := obj[name]; !ok {
			return false
		}
	}
	for name := range obj {
		_, mine := props[name]
		if !mine && len(gathered[name]) == 0 {
			return false
		}
	}
	return true
}

func requiredNames(m map[string]any) []string {
	list, _ := m["required"].([]any)
	names := make([]string, 0, len(list))
	for _, e := range list {
		if name, ok := e.(string); ok {
			names = append(names, name)
		}
	}
	return names
}
