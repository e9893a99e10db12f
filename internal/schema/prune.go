package schema

// pruneDefinitions removes root "$defs" and "definitions" entries that
// nothing reachable from the root body refers to. Strict mode must check
// every schema it sends, and an unused definition that cannot be expressed
// there would otherwise refuse a schema that never uses it.
func pruneDefinitions(root map[string]any) {
	defs := map[string]map[string]any{}
	for _, section := range []string{"$defs", "definitions"} {
		if m, ok := root[section].(map[string]any); ok {
			defs[section] = m
		}
	}
	if len(defs) == 0 {
		return
	}
	type entry struct{ section, name string }
	used := map[entry]bool{}
	var queue []map[string]any
	note := func(ref string) {
		tokens, ok := pointerTokens(ref)
		if !ok || len(tokens) == 0 || defs[tokens[0]] == nil {
			return
		}
		if len(tokens) == 1 {
			// A reference to a whole section keeps all of it.
			for name := range defs[tokens[0]] {
				used[entry{tokens[0], name}] = true
			}
			return
		}
		e := entry{tokens[0], tokens[1]}
		if used[e] {
			return
		}
		used[e] = true
		if sub, ok := defs[e.section][e.name].(map[string]any); ok {
			queue = append(queue, sub)
		}
	}
	body := make(map[string]any, len(root))
	for k, v := range root {
		if defs[k] == nil {
			body[k] = v
		}
	}
	collectRefs(body, 0, note)
	for len(queue) > 0 {
		next := queue[0]
		queue = queue[1:]
		collectRefs(next, 0, note)
	}
	for section, m := range defs {
		for name := range m {
			if !used[entry{section, name}] {
				delete(m, name)
			}
		}
		if len(m) == 0 {
			delete(root, section)
		}
	}
}

// collectRefs calls note with every "$ref" string in m and its subschemas,
// down to the Repair depth bound.
func collectRefs(m map[string]any, depth int, note func(ref string)) {
	if ref, ok := m["$ref"].(string); ok {
		note(ref)
	}
	if depth >= maxRepairDepth {
		return
	}
	forEachSubschema(m, func(sub map[string]any) { collectRefs(sub, depth+1, note) })
}
