package schema

// subschemaShape says how a keyword holds subschemas.
type subschemaShape uint8

const (
	// shapeOne: the value is one schema ("items" may also be a list, for the
	// tuple form of drafts before 2020-12).
	shapeOne subschemaShape = iota + 1
	// shapeList: the value is an array of schemas.
	shapeList
	// shapeMap: the value is an object whose values are schemas.
	shapeMap
)

// subschemaKeywords lists every keyword, across drafts 4 to 2020-12, whose
// value contains schemas. "dependencies" mixes schemas and string arrays;
// the walkers only descend into object values, so the arrays are skipped.
var subschemaKeywords = map[string]subschemaShape{
	"properties":            shapeMap,
	"patternProperties":     shapeMap,
	"$defs":                 shapeMap,
	"definitions":           shapeMap,
	"dependentSchemas":      shapeMap,
	"dependencies":          shapeMap,
	"additionalProperties":  shapeOne,
	"unevaluatedProperties": shapeOne,
	"propertyNames":         shapeOne,
	"items":                 shapeOne,
	"additionalItems":       shapeOne,
	"unevaluatedItems":      shapeOne,
	"contains":              shapeOne,
	"not":                   shapeOne,
	"if":                    shapeOne,
	"then":                  shapeOne,
	"else":                  shapeOne,
	"prefixItems":           shapeList,
	"anyOf":                 shapeList,
	"oneOf":                 shapeList,
	"allOf":                 shapeList,
}

// forEachSubschema calls fn for each direct subschema of m that is a JSON
// object. Boolean schemas and malformed entries hold nothing to visit.
func forEachSubschema(m map[string]any, fn func(sub map[string]any)) {
	// Schemas have few keywords, so ranging over m and looking each up is
	// cheaper than probing m for every subschema keyword.
	for key, v := range m {
		switch subschemaKeywords[key] {
		case shapeOne:
			if sub, ok := v.(map[string]any); ok {
				fn(sub)
				continue
			}
			if key == "items" {
				eachMapIn(v, fn)
			}
		case shapeList:
			eachMapIn(v, fn)
		case shapeMap:
			if entries, ok := v.(map[string]any); ok {
				for _, e := range entries {
					if sub, ok := e.(map[string]any); ok {
						fn(sub)
					}
				}
			}
		}
	}
}

func eachMapIn(v any, fn func(sub map[string]any)) {
	list, _ := v.([]any)
	for _, e := range list {
		if sub, ok := e.(map[string]any); ok {
			fn(sub)
		}
	}
}

// knownTypes are the type names JSON Schema defines.
var knownTypes = map[string]bool{
	"null": true, "boolean": true, "object": true, "array": true,
	"number": true, "integer": true, "string": true,
}

// typeNames reads a "type" value. ok is false when the value is absent or is
// not a known type name or a non-empty array of known type names.
func typeNames(v any) (names []string, ok bool) {
	switch t := v.(type) {
	case string:
		if knownTypes[t] {
			return []string{t}, true
		}
	case []any:
		if len(t) == 0 {
			return nil, false
		}
		for _, e := range t {
			s, isString := e.(string)
			if !isString || !knownTypes[s] {
				return nil, false
			}
			names = append(names, s)
		}
		return names, true
	}
	return nil, false
}

// typeIncludes reports whether a "type" value names typ, alone or in an
// array. Unknown names in the array do not matter here.
func typeIncludes(v any, typ string) bool {
	switch t := v.(type) {
	case string:
		return t == typ
	case []any:
		for _, e := range t {
			if e == typ {
				return true
			}
		}
	}
	return false
}
