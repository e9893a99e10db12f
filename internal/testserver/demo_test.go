package testserver

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image/png"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// runDemo calls a demo tool's handler directly.
func runDemo(t *testing.T, ctx context.Context, name, args string, progress func(float64, float64, string)) (*Result, error) {
	t.Helper()
	for _, tl := range DemoTools() {
		if tl.Name == name {
			if progress == nil {
				progress = noProgress
			}
			return tl.Handler(ctx, &Call{Name: name, Arguments: json.RawMessage(args), Progress: progress})
		}
	}
	t.Fatalf("no demo tool %q", name)
	return nil, nil
}

// onlyText returns the text of a result made of one text block.
func onlyText(t *testing.T, r *Result) string {
	t.Helper()
	if r == nil || len(r.Content) != 1 {
		t.Fatalf("result = %+v, want one content block", r)
	}
	var c textContent
	decode(t, r.Content[0], &c)
	if c.Type != "text" {
		t.Fatalf("content type = %q, want text", c.Type)
	}
	return c.Text
}

func TestDemoToolList(t *testing.T) {
	var names []string
	for _, tl := range DemoTools() {
		names = append(names, tl.Name)
		if !json.Valid(tl.InputSchema) || tl.Handler == nil || tl.Description == "" {
			t.Errorf("tool %s: valid schema %v, handler %v, description %q; want all set", tl.Name, json.Valid(tl.InputSchema), tl.Handler != nil, tl.Description)
		}
	}
	want := []string{"get_weather", "add", "word_count", "slow_count", "screenshot"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("DemoTools() names mismatch (-want +got):\n%s", diff)
	}
	if tl := DemoTools()[0]; !strings.Contains(string(tl.Annotations), `"readOnlyHint":true`) {
		t.Errorf("get_weather annotations = %s, want readOnlyHint", tl.Annotations)
	}
	if tl := DemoTools()[1]; !json.Valid(tl.OutputSchema) {
		t.Errorf("add outputSchema = %s, want a schema", tl.OutputSchema)
	}
}

func TestDemoTextResults(t *testing.T) {
	tests := []struct {
		tool, args, want string
	}{
		{"add", `{"a":2,"b":3}`, "5"},
		{"add", `{"a":0.5,"b":-2}`, "-1.5"},
		{"add", `{"a":1e300,"b":1e300}`, "2e+300"},
		{"word_count", `{"text":"the quick  brown\nfox"}`, "4 words"},
		{"word_count", `{"text":"one"}`, "1 word"},
		{"word_count", `{"text":"   "}`, "0 words"},
		{"slow_count", `{"steps":2,"delay_ms":0}`, "counted to 2"},
	}
	for _, tt := range tests {
		t.Run(tt.tool+tt.args, func(t *testing.T) {
			r, err := runDemo(t, context.Background(), tt.tool, tt.args, nil)
			if err != nil {
				t.Fatalf("%s(%s) error = %v, want nil", tt.tool, tt.args, err)
			}
			if got := onlyText(t, r); got != tt.want {
				t.Errorf("%s(%s) = %q, want %q", tt.tool, tt.args, got, tt.want)
			}
		})
	}
}

func TestDemoAddStructured(t *testing.T) {
	r, err := runDemo(t, context.Background(), "add", `{"a":2,"b":3}`, nil)
	if err != nil || string(r.StructuredContent) != `{"sum":5}` {
		t.Errorf("add(2,3) structured = %s, %v, want {\"sum\":5}, nil", r.StructuredContent, err)
	}
}

func TestDemoArgumentErrors(t *testing.T) {
	tests := []struct {
		tool, args, want string
	}{
		{"get_weather", `{}`, `missing required argument "city"`},
		{"get_weather", `{"city":"  "}`, "city must not be empty"},
		{"get_weather", `{"city":3}`, "invalid arguments"},
		{"add", `{"a":1}`, `missing required argument "b"`},
		{"add", `{"b":1}`, `missing required argument "a"`},
		{"add", `{"a":"1","b":2}`, "invalid arguments"},
		{"add", `{"a":1.7976931348623157e308,"b":1.7976931348623157e308}`, "sum is not a JSON number"},
		{"word_count", `{}`, `missing required argument "text"`},
		{"word_count", `[]`, "invalid arguments"},
		{"slow_count", `{"steps":0}`, "steps must be between 1 and 50"},
		{"slow_count", `{"steps":51}`, "steps must be between 1 and 50"},
		{"slow_count", `{"steps":1.5}`, "invalid arguments"},
		{"slow_count", `{"delay_ms":-1}`, "delay_ms must be between 0 and 10000"},
	}
	for _, tt := range tests {
		t.Run(tt.tool+tt.args, func(t *testing.T) {
			_, err := runDemo(t, context.Background(), tt.tool, tt.args, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "mcpclient: "+tt.tool+": ") {
				t.Errorf("%s(%s) error = %v, want mcpclient: %s: ...%s", tt.tool, tt.args, err, tt.tool, tt.want)
			}
		})
	}
}

func TestDemoWeather(t *testing.T) {
	format := regexp.MustCompile(`^Oslo: -?\d+°C, [a-z ]+$`)
	first, err := runDemo(t, context.Background(), "get_weather", `{"city":"Oslo"}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	text := onlyText(t, first)
	if !format.MatchString(text) {
		t.Errorf("get_weather(Oslo) = %q, want \"Oslo: N°C, condition\"", text)
	}
	// Same city (any case or padding) gives the same weather.
	again, _ := runDemo(t, context.Background(), "get_weather", `{"city":" oslo "}`, nil)
	if got := onlyText(t, again); got != strings.Replace(text, "Oslo", "oslo", 1) {
		t.Errorf("get_weather(oslo) = %q, want the weather of %q", got, text)
	}
	// Different cities do not all get the same weather.
	seen := map[string]bool{}
	for _, city := range []string{"Oslo", "Paris", "Lima", "Tokyo", "Cairo", "Quito", "Perth", "Nairobi"} {
		r, _ := runDemo(t, context.Background(), "get_weather", `{"city":"`+city+`"}`, nil)
		seen[strings.TrimPrefix(onlyText(t, r), city)] = true
	}
	if len(seen) < 3 {
		t.Errorf("8 cities gave %d distinct forecasts, want at least 3", len(seen))
	}
}

func TestDemoSlowCount(t *testing.T) {
	var got []float64
	r, err := runDemo(t, context.Background(), "slow_count", `{"steps":4,"delay_ms":1}`, func(p, total float64, msg string) {
		if total != 4 {
			t.Errorf("progress total = %v, want 4", total)
		}
		got = append(got, p)
	})
	if err != nil || onlyText(t, r) != "counted to 4" {
		t.Fatalf("slow_count(4) = %v, %v, want counted to 4", r, err)
	}
	if diff := cmp.Diff([]float64{1, 2, 3, 4}, got); diff != "" {
		t.Errorf("progress mismatch (-want +got):\n%s", diff)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = runDemo(t, ctx, "slow_count", `{"steps":50,"delay_ms":10000}`, nil)
	if err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("slow_count with a 30ms deadline = %v after %v, want an error soon", err, time.Since(start))
	}
}

func TestDemoScreenshot(t *testing.T) {
	r, err := runDemo(t, context.Background(), "screenshot", `{}`, nil)
	if err != nil || len(r.Content) != 2 {
		t.Fatalf("screenshot = %+v, %v, want two content blocks", r, err)
	}
	var text textContent
	decode(t, r.Content[0], &text)
	if text.Text != "Screenshot taken" {
		t.Errorf("screenshot text = %q, want Screenshot taken", text.Text)
	}
	var img imageContent
	decode(t, r.Content[1], &img)
	if img.Type != "image" || img.MimeType != "image/png" {
		t.Errorf("screenshot image = %s/%s, want image/image/png", img.Type, img.MimeType)
	}
	data, err := base64.StdEncoding.DecodeString(img.Data)
	if err != nil {
		t.Fatalf("image data is not base64: %v", err)
	}
	pic, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("image is not a PNG: %v", err)
	}
	if b := pic.Bounds(); b.Dx() != 1 || b.Dy() != 1 {
		t.Errorf("image size = %dx%d, want 1x1", b.Dx(), b.Dy())
	}
}

// The demo tools work end to end through the server.
func TestDemoThroughServer(t *testing.T) {
	p := connect(t, New(Options{Tools: DemoTools()}))
	p.handshake()
	r := p.call(1, "add", `{"a":2,"b":3}`)
	if r.Content[0].Text != "5" || string(r.StructuredContent) != `{"sum":5}` || r.IsError {
		t.Errorf("add(2,3) = %+v, want 5 and {\"sum\":5}", r)
	}
	r = p.call(2, "get_weather", `{}`)
	if !r.IsError || !strings.Contains(r.Content[0].Text, "city") {
		t.Errorf("get_weather({}) = %+v, want a tool error about city", r)
	}
}
