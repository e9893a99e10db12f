package testserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"
)

// DemoTools returns the demo tool set: get_weather, add, word_count,
// slow_count and screenshot. Every tool is deterministic and offline. Bad
// arguments are reported as tool errors (isError), as the MCP specification
// asks for input validation failures. Each call returns a fresh slice.
func DemoTools() []Tool {
	return []Tool{
		{
			Name:        "get_weather",
			Title:       "Weather",
			Description: "Current weather for a city (made up, but always the same for a given city).",
			InputSchema: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string","description":"City name"}},"required":["city"]}`),
			Annotations: json.RawMessage(`{"readOnlyHint":true,"openWorldHint":false}`),
			Handler:     getWeather,
		},
		{
			Name:         "add",
			Title:        "Add",
			Description:  "Add two numbers.",
			InputSchema:  json.RawMessage(`{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}},"required":["a","b"]}`),
			OutputSchema: json.RawMessage(`{"type":"object","properties":{"sum":{"type":"number"}},"required":["sum"]}`),
			Annotations:  json.RawMessage(`{"readOnlyHint":true}`),
			Handler:      add,
		},
		{
			Name:        "word_count",
			Title:       "Word count",
			Description: "Count the words of a text.",
			InputSchema: json.RawMessage(`{"type":"object","properties":{"text":{"type":"string"}},"required":["text"]}`),
			Annotations: json.RawMessage(`{"readOnlyHint":true}`),
			Handler:     wordCount,
		},
		{
			Name:        "slow_count",
			Title:       "Slow count",
			Description: "Count to steps, waiting delay_ms between steps and reporting progress.",
			InputSchema: json.RawMessage(`{"type":"object","properties":{` +
				`"steps":{"type":"integer","minimum":1,"maximum":50,"default":5},` +
				`"delay_ms":{"type":"integer","minimum":0,"maximum":10000,"default":100}}}`),
			Annotations: json.RawMessage(`{"readOnlyHint":true}`),
			Handler:     slowCount,
		},
		{
			Name:        "screenshot",
			Title:       "Screenshot",
			Description: "Take a screenshot (a 1x1 PNG).",
			InputSchema: json.RawMessage(`{"type":"object","additionalProperties":false}`),
			Annotations: json.RawMessage(`{"readOnlyHint":true}`),
			Handler:     screenshot,
		},
	}
}

// decodeArgs decodes a call's arguments into v, naming the tool on failure.
func decodeArgs(c *Call, v any) error {
	if err := json.Unmarshal(c.Arguments, v); err != nil {
		return fmt.Errorf("mcpclient: %s: invalid arguments: %w", c.Name, err)
	}
	return nil
}

func missing(c *Call, arg string) error {
	return fmt.Errorf("mcpclient: %s: missing required argument %q", c.Name, arg)
}

var conditions = [...]string{
	"sunny", "clear", "partly cloudy", "overcast", "fog",
	"drizzle", "light rain", "heavy rain", "thunderstorms", "snow", "windy",
}

// Weather derives from a hash of the city name so that tests and demos can
// rely on the same answer every time, on every machine.
func getWeather(_ context.Context, c *Call) (*Result, error) {
	var args struct {
		City *string `json:"city"`
	}
	if err := decodeArgs(c, &args); err != nil {
		return nil, err
	}
	if args.City == nil {
		return nil, missing(c, "city")
	}
	city := strings.TrimSpace(*args.City)
	if city == "" {
		return nil, errors.New("mcpclient: get_weather: city must not be empty")
	}
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(city)))
	sum := h.Sum32()
	cond := conditions[sum%uint32(len(conditions))]
	temp := int(sum/uint32(len(conditions))%46) - 10
	return &Result{Content: []json.RawMessage{Text(fmt.Sprintf("%s: %d°C, %s", city, temp, cond))}}, nil
}

func add(_ context.Context, c *Call) (*Result, error) {
	var args struct {
		A, B *float64
	}
	if err := decodeArgs(c, &args); err != nil {
		return nil, err
	}
	if args.A == nil {
		return nil, missing(c, "a")
	}
	if args.B == nil {
		return nil, missing(c, "b")
	}
	sum := *args.A + *args.B
	n, err := json.Marshal(sum) // fails only on overflow to ±Inf
	if err != nil {
		return nil, fmt.Errorf("mcpclient: add: sum is not a JSON number: %w", err)
	}
	structured := append(append([]byte(`{"sum":`), n...), '}')
	return &Result{Content: []json.RawMessage{Text(string(n))}, StructuredContent: structured}, nil
}

func wordCount(_ context.Context, c *Call) (*Result, error) {
	var args struct {
		Text *string `json:"text"`
	}
	if err := decodeArgs(c, &args); err != nil {
		return nil, err
	}
	if args.Text == nil {
		return nil, missing(c, "text")
	}
	n := len(strings.Fields(*args.Text))
	unit := "words"
	if n == 1 {
		unit = "word"
	}
	return &Result{Content: []json.RawMessage{Text(strconv.Itoa(n) + " " + unit)}}, nil
}

func slowCount(ctx context.Context, c *Call) (*Result, error) {
	args := struct {
		Steps   int `json:"steps"`
		DelayMS int `json:"delay_ms"`
	}{Steps: 5, DelayMS: 100}
	if err := decodeArgs(c, &args); err != nil {
		return nil, err
	}
	if args.Steps < 1 || args.Steps > 50 {
		return nil, fmt.Errorf("mcpclient: slow_count: steps must be between 1 and 50, got %d", args.Steps)
	}
	if args.DelayMS < 0 || args.DelayMS > 10000 {
		return nil, fmt.Errorf("mcpclient: slow_count: delay_ms must be between 0 and 10000, got %d", args.DelayMS)
	}
	delay := time.Duration(args.DelayMS) * time.Millisecond
	timer := time.NewTimer(delay)
	defer timer.Stop()
	for i := 1; i <= args.Steps; i++ {
		timer.Reset(delay)
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("mcpclient: slow_count: stopped at step %d: %w", i, context.Cause(ctx))
		case <-timer.C:
		}
		c.Progress(float64(i), float64(args.Steps), fmt.Sprintf("step %d of %d", i, args.Steps))
	}
	return &Result{Content: []json.RawMessage{Text("counted to " + strconv.Itoa(args.Steps))}}, nil
}

func screenshot(_ context.Context, _ *Call) (*Result, error) {
	return &Result{Content: []json.RawMessage{Text("Screenshot taken"), Image(onePixelPNG(), "image/png")}}, nil
}
