package schema

import (
	"encoding/json"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"
)

type forAddress struct {
	Street string `json:"street" description:"street and number"`
	Zip    string `json:"zip,omitempty"`
}

type forBase struct {
	ID      string `json:"id"`
	Created time.Time
	Shadow  string `json:"shadowed"`
}

type forExtra struct {
	Note string `json:"note"`
}

type forOrder struct {
	forBase
	*forExtra
	Shadow   int                   `json:"shadowed"`
	Customer forAddress            `json:"customer"`
	Billing  *forAddress           `json:"billing"`
	Lines    []forLine             `json:"lines" description:"order lines"`
	Labels   map[string]string     `json:"labels,omitzero"`
	Status   string                `json:"status" enum:"new, paid,shipped"`
	Flags    []string              `json:"flags,omitempty" enum:"gift,rush"`
	Count    uint16                `json:"count,string"`
	Raw      json.RawMessage       `json:"raw,omitempty"`
	Any      any                   `json:"any,omitempty"`
	IP       net.IP                `json:"ip,omitempty"`
	Fixed    [2]float64            `json:"fixed"`
	Blob     []byte                `json:"blob,omitempty"`
	Nested   map[string][]*forLine `json:"nested,omitempty"`
	Skipped  string                `json:"-"`
	Dash     string                `json:"-,"`
	internal string
}

type forLine struct {
	SKU string `json:"sku"`
	Qty int    `json:"qty"`
}

type forNode struct {
	Name     string     `json:"name"`
	Children []*forNode `json:"children,omitempty"`
}

type forTree struct {
	Root *forNode `json:"root"`
	Left forNode  `json:"left"`
}

type forPing struct {
	Pong *forPong `json:"pong,omitempty"`
}

type forPong struct {
	Ping *forPing `json:"ping,omitempty"`
}

type forList []forList

func TestFor(t *testing.T) {
	tests := []struct {
		name string
		typ  reflect.Type
		want string
	}{
		{"bool", reflect.TypeFor[bool](), `{"type":"boolean"}`},
		{"int64", reflect.TypeFor[int64](), `{"type":"integer"}`},
		{"uint8", reflect.TypeFor[uint8](), `{"type":"integer","minimum":0}`},
		{"float32", reflect.TypeFor[float32](), `{"type":"number"}`},
		{"pointer to string", reflect.TypeFor[**string](), `{"type":"string"}`},
		{"time", reflect.TypeFor[time.Time](), `{"type":"string","format":"date-time"}`},
		{"raw message", reflect.TypeFor[json.RawMessage](), `{}`},
		{"interface", reflect.TypeFor[error](), `{}`},
		{"text marshaler", reflect.TypeFor[net.IP](), `{"type":"string"}`},
		{"slice", reflect.TypeFor[[]int](), `{"type":"array","items":{"type":"integer"}}`},
		{"bytes", reflect.TypeFor[[]byte](), `{"type":"string","contentEncoding":"base64"}`},
		{"map", reflect.TypeFor[map[string]bool](), `{"type":"object","additionalProperties":{"type":"boolean"}}`},
		{"empty struct", reflect.TypeFor[struct{}](), `{"type":"object","properties":{}}`},
		{"struct with everything", reflect.TypeFor[forOrder](), `{"type":"object",
			"properties":{
				"id":{"type":"string"},
				"Created":{"type":"string","format":"date-time"},
				"note":{"type":"string"},
				"shadowed":{"type":"integer"},
				"customer":{"type":"object","properties":{"street":{"type":"string","description":"street and number"},"zip":{"type":"string"}},"required":["street"]},
				"billing":{"type":"object","properties":{"street":{"type":"string","description":"street and number"},"zip":{"type":"string"}},"required":["street"]},
				"lines":{"type":"array","description":"order lines","items":{"type":"object","properties":{"sku":{"type":"string"},"qty":{"type":"integer"}},"required":["sku","qty"]}},
				"labels":{"type":"object","additionalProperties":{"type":"string"}},
				"status":{"type":"string","enum":["new","paid","shipped"]},
				"flags":{"type":"array","items":{"type":"string","enum":["gift","rush"]}},
				"count":{"type":"string"},
				"raw":{},
				"any":{},
				"ip":{"type":"string"},
				"fixed":{"type":"array","items":{"type":"number"},"minItems":2,"maxItems":2},
				"blob":{"type":"string","contentEncoding":"base64"},
				"nested":{"type":"object","additionalProperties":{"type":"array","items":{"type":"object","properties":{"sku":{"type":"string"},"qty":{"type":"integer"}},"required":["sku","qty"]}}},
				"-":{"type":"string"}},
			"required":["id","Created","shadowed","customer","lines","status","count","fixed","-"]}`},
		{"recursive root", reflect.TypeFor[*forNode](), `{"type":"object",
			"properties":{"name":{"type":"string"},"children":{"type":"array","items":{"$ref":"#"}}},"required":["name"]}`},
		{"recursive field", reflect.TypeFor[forTree](), `{"type":"object",
			"properties":{"root":{"$ref":"#/$defs/forNode"},"left":{"$ref":"#/$defs/forNode"}},"required":["left"],
			"$defs":{"forNode":{"type":"object","properties":{"name":{"type":"string"},"children":{"type":"array","items":{"$ref":"#/$defs/forNode"}}},"required":["name"]}}}`},
		{"mutual recursion", reflect.TypeFor[forPing](), `{"type":"object",
			"properties":{"pong":{"type":"object","properties":{"ping":{"$ref":"#"}}}}}`},
		{"recursive slice", reflect.TypeFor[forList](), `{"type":"array","items":{"$ref":"#"}}`},
		{"recursive slice field", reflect.TypeFor[struct{ L forList }](), `{"type":"object","required":["L"],
			"properties":{"L":{"$ref":"#/$defs/forList"}},"$defs":{"forList":{"type":"array","items":{"$ref":"#/$defs/forList"}}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := For(tt.typ)
			if err != nil {
				t.Fatalf("For(%s) error = %v, want nil", tt.typ, err)
			}
			if d := jsonDiff(t, got, tt.want); d != "" {
				t.Errorf("For(%s) mismatch (-got +want):\n%s", tt.typ, d)
			}
			if strings.Contains(string(got), `"$schema"`) {
				t.Errorf("For(%s) = %s, want no $schema", tt.typ, got)
			}
		})
	}
}

type forBadInner struct {
	Name string
	Ch   chan int `json:"ch"`
}

type forBadOuter struct {
	Inner forBadInner `json:"inner"`
}

type forBadEnum struct {
	Level int `enum:"1,2"`
}

func TestForErrors(t *testing.T) {
	tests := []struct {
		name string
		typ  reflect.Type
		want string
	}{
		{"nil", nil, "mcpclient: schema.For: nil type"},
		{"chan field", reflect.TypeFor[forBadOuter](),
			"mcpclient: schema.For(schema.forBadOuter): field Inner.Ch: unsupported type chan int"},
		{"chan in list", reflect.TypeFor[struct{ L []map[string]chan int }](),
			"field L[][key]: unsupported type chan int"},
		{"func root", reflect.TypeFor[func()](), "mcpclient: schema.For(func()): unsupported type func()"},
		{"complex", reflect.TypeFor[struct{ C complex128 }](), "field C: unsupported type complex128"},
		{"map key", reflect.TypeFor[struct{ M map[int]string }](), "field M: map key type int is not a string"},
		{"enum on int", reflect.TypeFor[forBadEnum](), "field Level: enum tag on int, which is not a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := For(tt.typ)
			if err == nil {
				t.Fatalf("For(%v) = %s, nil, want error containing %q", tt.typ, got, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "mcpclient: schema.For") {
				t.Errorf("For(%v) error = %q, want it to start with mcpclient: schema.For and contain %q", tt.typ, err, tt.want)
			}
		})
	}
}

type forTool struct {
	Query string    `json:"query" description:"search text"`
	Limit *int      `json:"limit"`
	Since time.Time `json:"since,omitzero"`
	Kinds []string  `json:"kinds" enum:"doc,code"`
}

func TestForFeedsStrict(t *testing.T) {
	// A typical local tool's input derives a schema strict mode accepts,
	// and arguments round-trip through DropNullOptionals.
	raw, err := For(reflect.TypeFor[forTool]())
	if err != nil {
		t.Fatalf("For(forTool) error = %v", err)
	}
	if _, ok, reason := Strict(raw); !ok {
		t.Fatalf("Strict(For(forTool)) = _, false, %q, want ok", reason)
	}
	got := DropNullOptionals(raw, json.RawMessage(`{"query":"q","limit":null,"since":null,"kinds":["doc"]}`))
	if d := jsonDiff(t, got, `{"query":"q","kinds":["doc"]}`); d != "" {
		t.Errorf("DropNullOptionals(For(forTool), ...) mismatch (-got +want):\n%s", d)
	}
}
