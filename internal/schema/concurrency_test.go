package schema

import (
	"encoding/json"
	"reflect"
	"sync"
	"testing"
)

func TestConcurrentUse(t *testing.T) {
	// The package promises safety for concurrent use; under -race this
	// fails if any call starts sharing mutable state.
	raw := json.RawMessage(itemlessTools)
	tools := parseTools(t, string(raw)).Tools
	want := make([]string, len(tools))
	for i, tool := range tools {
		want[i] = string(Repair(tool.InputSchema))
	}
	const workers, rounds = 8, 20
	var wg sync.WaitGroup
	errs := make(chan string, workers*rounds*len(tools))
	for range workers {
		wg.Go(func() {
			for range rounds {
				for i, tool := range tools {
					if got := string(Repair(tool.InputSchema)); got != want[i] {
						errs <- "Repair(" + string(tool.InputSchema) + ") = " + got + ", want " + want[i]
					}
					Strict(tool.InputSchema)
					DropNullOptionals(tool.InputSchema, json.RawMessage(`{"texts":null}`))
				}
				if _, err := For(reflect.TypeFor[forOrder]()); err != nil {
					errs <- "For(forOrder) error = " + err.Error()
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
