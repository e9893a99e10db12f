package schema

import (
	"reflect"
	"slices"
	"strings"
	"unicode"
)

// structField is one JSON property of a struct type, found the way
// encoding/json finds it.
type structField struct {
	name     string       // JSON property name
	goPath   string       // Go field names from the struct, for errors
	typ      reflect.Type // the field's declared type
	index    []int        // position, for declaration order
	depth    int          // embedding depth, for name conflicts
	tagged   bool         // name came from a json tag
	optional bool         // omitempty, omitzero, pointer, or behind an embedded pointer
	quoted   bool         // the ",string" option
	tag      reflect.StructTag
}

// structFields lists the JSON properties of struct type t in declaration
// order, following encoding/json: exported fields, json tag names, "-"
// skipped, embedded structs flattened breadth-first, and for repeated names
// the shallowest field wins, then the only tagged one, else none.
func structFields(t reflect.Type) []structField {
	type pending struct {
		typ    reflect.Type
		goPath string
		index  []int
		viaPtr bool
	}
	var found []structField
	next := []pending{{typ: t}}
	visited := map[reflect.Type]bool{}
	for depth := 0; len(next) > 0; depth++ {
		current := next
		next = nil
		for _, p := range current {
			if visited[p.typ] {
				continue
			}
			visited[p.typ] = true
			for i := range p.typ.NumField() {
				sf := p.typ.Field(i)
				if sf.Anonymous {
					inner := sf.Type
					if inner.Kind() == reflect.Pointer {
						inner = inner.Elem()
					}
					if !sf.IsExported() && inner.Kind() != reflect.Struct {
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if !validTagName(name) {
					name = ""
				}
				index := append(slices.Clone(p.index), i)
				ft := sf.Type
				if ft.Name() == "" && ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if name == "" && sf.Anonymous && ft.Kind() == reflect.Struct {
					next = append(next, pending{
						typ:    ft,
						goPath: p.goPath + sf.Name + ".",
						index:  index,
						viaPtr: p.viaPtr || sf.Type.Kind() == reflect.Pointer,
					})
					continue
				}
				f := structField{
					name:   name,
					goPath: p.goPath + sf.Name,
					typ:    sf.Type,
					index:  index,
					depth:  depth,
					tagged: name != "",
					tag:    sf.Tag,
					optional: p.viaPtr || sf.Type.Kind() == reflect.Pointer ||
						hasOption(opts, "omitempty") || hasOption(opts, "omitzero"),
					quoted: hasOption(opts, "string"),
				}
				if f.name == "" {
					f.name = sf.Name
				}
				found = append(found, f)
			}
		}
	}
	return dominantFields(found)
}

// dominantFields resolves repeated names and restores declaration order.
func dominantFields(found []structField) []structField {
	byName := map[string][]structField{}
	for _, f := range found {
		byName[f.name] = append(byName[f.name], f)
	}
	var out []structField
	for _, group := range byName {
		minDepth := group[0].depth
		for _, f := range group {
			minDepth = min(minDepth, f.depth)
		}
		var shallow, tagged []structField
		for _, f := range group {
			if f.depth == minDepth {
				shallow = append(shallow, f)
				if f.tagged {
					tagged = append(tagged, f)
				}
			}
		}
		switch {
		case len(shallow) == 1:
			out = append(out, shallow[0])
		case len(tagged) == 1:
			out = append(out, tagged[0])
		}
	}
	slices.SortFunc(out, func(a, b structField) int { return slices.Compare(a.index, b.index) })
	return out
}

func hasOption(opts, want string) bool {
	for opt := range strings.SplitSeq(opts, ",") {
		if opt == want {
			return true
		}
	}
	return false
}

// validTagName mirrors the names encoding/json accepts from a tag; others
// fall back to the Go field name.
func validTagName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}
