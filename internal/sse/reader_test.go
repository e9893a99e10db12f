package sse

import (
	"bytes"
	"io"
	"math"
	"strings"
	"testing"
	"time"
)

// ev builds an expected event with only Data set.
func ev(data string) Event {
	return Event{Data: []byte(data)}
}

// parseCase is one input and what parsing all of it must report.
type parseCase struct {
	name string
	in   string
	max  int
	want result
}

var keepaliveStream = strings.Repeat(": PROCESSING\n\n", 400) +
	"data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n" +
	"data: [DONE]\n\n"

var parseCases = []parseCase{
	{name: "empty input", in: "", want: result{Err: io.EOF}},
	{name: "only blank lines", in: "\n\r\n\r\r\n\n", want: result{Err: io.EOF}},
	{name: "lf", in: "data: a\n\n", want: result{Events: []Event{ev("a")}, Err: io.EOF}},
	{name: "crlf", in: "data: a\r\n\r\n", want: result{Events: []Event{ev("a")}, Err: io.EOF}},
	{name: "lone cr", in: "data: a\r\r", want: result{Events: []Event{ev("a")}, Err: io.EOF}},
	{name: "mixed line ends", in: "data: a\rdata: b\r\ndata: c\n\r\ndata: d\r\r\n", want: result{
		Events: []Event{ev("a\nb\nc"), ev("d")}, Err: io.EOF}},
	{name: "lf then cr is two line ends", in: "data: a\n\rdata: b\n\n", want: result{
		Events: []Event{ev("a"), ev("b")}, Err: io.EOF}},
	{name: "crlf then lf", in: "data: a\r\n\ndata: b\r\n\n", want: result{
		Events: []Event{ev("a"), ev("b")}, Err: io.EOF}},
	{name: "cr lf lf is two line ends", in: "data: a\r\n\n\n", want: result{
		Events: []Event{ev("a")}, Err: io.EOF}},
	{name: "cr then crlf", in: "data: a\r\r\ndata: b\r\n\r\n", want: result{
		Events: []Event{ev("a"), ev("b")}, Err: io.EOF}},
	{name: "cr at end of input ends the line", in: "data: a\n\r", want: result{
		Events: []Event{ev("a")}, Err: io.EOF}},
	{name: "multi-line data", in: "data: a\ndata: b\ndata\ndata:\ndata: c\n\n", want: result{
		Events: []Event{ev("a\nb\n\n\nc")}, Err: io.EOF}},
	{name: "data without colon", in: "data\n\n", want: result{Events: []Event{ev("")}, Err: io.EOF}},
	{name: "data with colon only", in: "data:\n\n", want: result{Events: []Event{ev("")}, Err: io.EOF}},
	{name: "data with one space", in: "data: x\n\n", want: result{Events: []Event{ev("x")}, Err: io.EOF}},
	{name: "data without space", in: "data:x\n\n", want: result{Events: []Event{ev("x")}, Err: io.EOF}},
	{name: "only one space stripped", in: "data:  x\n\n", want: result{Events: []Event{ev(" x")}, Err: io.EOF}},
	{name: "tab not stripped", in: "data:\tx\n\n", want: result{Events: []Event{ev("\tx")}, Err: io.EOF}},
	{name: "trailing space kept", in: "data: x \n\n", want: result{Events: []Event{ev("x ")}, Err: io.EOF}},
	{name: "colons in value", in: "data: a:b: c\n\n", want: result{Events: []Event{ev("a:b: c")}, Err: io.EOF}},
	{name: "nul and invalid utf-8 in data", in: "data: a\x00b\xff\n\n", want: result{
		Events: []Event{ev("a\x00b\xff")}, Err: io.EOF}},
	{name: "event type set then reset", in: "event: ping\ndata: 1\n\ndata: 2\n\n", want: result{
		Events: []Event{{Type: "ping", Data: []byte("1")}, ev("2")}, Err: io.EOF}},
	{name: "last event field wins", in: "event: a\nevent: b\ndata\n\n", want: result{
		Events: []Event{{Type: "b", Data: []byte("")}}, Err: io.EOF}},
	{name: "event type of undispatched event dropped", in: "event: ping\n\ndata: 1\n\n", want: result{
		Events: []Event{ev("1")}, Err: io.EOF}},
	{name: "event without colon is empty type", in: "event: x\nevent\ndata: 1\n\n", want: result{
		Events: []Event{ev("1")}, Err: io.EOF}},
	{name: "comments", in: ": hello\n:\ndata: a\n: mid\ndata: b\n\n:last", want: result{
		Events: []Event{ev("a\nb")}, Err: io.EOF, Comments: 3}},
	{name: "comment with cr line ends", in: ":a\r:b\r\ndata: x\r\r", want: result{
		Events: []Event{ev("x")}, Err: io.EOF, Comments: 2}},
	{name: "keepalive comments then data", in: keepaliveStream, want: result{
		Events: []Event{
			ev(`{"choices":[{"delta":{"content":"hi"}}]}`),
			ev("[DONE]"),
		}, Err: io.EOF, Comments: 400}},
	{name: "id persists", in: "id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\n", want: result{
		Events: []Event{{Data: []byte("a"), ID: "1"}, {Data: []byte("b"), ID: "1"}, {Data: []byte("c"), ID: "2"}},
		Err:    io.EOF, LastID: "2"}},
	{name: "empty id resets", in: "id: 1\ndata: a\n\nid\ndata: b\n\n", want: result{
		Events: []Event{{Data: []byte("a"), ID: "1"}, ev("b")}, Err: io.EOF}},
	{name: "id with nul ignored", in: "id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n", want: result{
		Events: []Event{{Data: []byte("a"), ID: "1"}, {Data: []byte("b"), ID: "1"}}, Err: io.EOF, LastID: "1"}},
	{name: "id without data still updates", in: "id: 7\n\ndata: a\n\n", want: result{
		Events: []Event{{Data: []byte("a"), ID: "7"}}, Err: io.EOF, LastID: "7"}},
	{name: "id after data line applies to the event", in: "data: a\nid: 9\n\n", want: result{
		Events: []Event{{Data: []byte("a"), ID: "9"}}, Err: io.EOF, LastID: "9"}},
	{name: "id of unfinished event not committed", in: "id: 1\ndata: a\n\nid: 2\n", want: result{
		Events: []Event{{Data: []byte("a"), ID: "1"}}, Err: io.EOF, LastID: "1"}},
	{name: "retry valid", in: "retry: 1500\ndata: a\n\n", want: result{
		Events: []Event{{Data: []byte("a"), Retry: 1500 * time.Millisecond}},
		Err:    io.EOF, Retry: 1500 * time.Millisecond, RetrySet: true}},
	{name: "retry zero", in: "retry: 0\n\n", want: result{Err: io.EOF, RetrySet: true}},
	{name: "retry without data or blank line", in: "retry: 10\n", want: result{
		Err: io.EOF, Retry: 10 * time.Millisecond, RetrySet: true}},
	{name: "retry invalid ignored", in: "retry: 1.5\nretry: -1\nretry: +1\nretry:\nretry\nretry: 1 \n" +
		"retry:  100\nretry: 1e3\nretry: 0x10\nretry: 1_000\nretry: \u0661\ndata: a\n\n", want: result{
		Events: []Event{ev("a")}, Err: io.EOF}},
	{name: "invalid retry keeps previous", in: "retry: 100\nretry: x\ndata\n\n", want: result{
		Events: []Event{{Data: []byte(""), Retry: 100 * time.Millisecond}},
		Err:    io.EOF, Retry: 100 * time.Millisecond, RetrySet: true}},
	{name: "retry persists", in: "retry: 5\ndata: a\n\ndata: b\n\n", want: result{
		Events: []Event{{Data: []byte("a"), Retry: 5 * time.Millisecond}, {Data: []byte("b"), Retry: 5 * time.Millisecond}},
		Err:    io.EOF, Retry: 5 * time.Millisecond, RetrySet: true}},
	{name: "retry too large saturates", in: "retry: 99999999999999999999999\n\n", want: result{
		Err: io.EOF, Retry: math.MaxInt64, RetrySet: true}},
	{name: "retry largest exact value", in: "retry: 9223372036854\n\n", want: result{
		Err: io.EOF, Retry: 9223372036854 * time.Millisecond, RetrySet: true}},
	{name: "retry one past largest saturates", in: "retry: 9223372036855\n\n", want: result{
		Err: io.EOF, Retry: math.MaxInt64, RetrySet: true}},
	{name: "unknown fields ignored", in: "foo: bar\nfoo\ndata: a\n\n", want: result{
		Events: []Event{ev("a")}, Err: io.EOF}},
	{name: "field names are case sensitive", in: "Data: a\nDATA: b\n\n", want: result{Err: io.EOF}},
	{name: "leading space makes another field", in: " data: a\n\n", want: result{Err: io.EOF}},
	{name: "bom skipped", in: "\xEF\xBB\xBFdata: a\n\n", want: result{Events: []Event{ev("a")}, Err: io.EOF}},
	{name: "bom then comment", in: "\xEF\xBB\xBF: c\ndata: a\n\n", want: result{
		Events: []Event{ev("a")}, Err: io.EOF, Comments: 1}},
	{name: "bom only", in: "\xEF\xBB\xBF", want: result{Err: io.EOF}},
	{name: "second bom is content", in: "\xEF\xBB\xBF\xEF\xBB\xBFdata: a\n\n", want: result{Err: io.EOF}},
	{name: "bom later is content", in: "data: a\n\xEF\xBB\xBFdata: b\n\n", want: result{
		Events: []Event{ev("a")}, Err: io.EOF}},
	{name: "bom in value kept", in: "data: \xEF\xBB\xBFa\n\n", want: result{
		Events: []Event{ev("\xEF\xBB\xBFa")}, Err: io.EOF}},
	{name: "partial bom is content", in: "\xEF\xBBdata: a\n\ndata: b\n\n", want: result{
		Events: []Event{ev("b")}, Err: io.EOF}},
	{name: "partial bom at end", in: "\xEF\xBB", want: result{Err: io.EOF}},
	{name: "unfinished event discarded", in: "data: a\n\ndata: b\n", want: result{
		Events: []Event{ev("a")}, Err: io.EOF}},
	{name: "unfinished line discarded", in: "data: a\n\ndata: b", want: result{
		Events: []Event{ev("a")}, Err: io.EOF}},
	{name: "event over bound", in: "data: 0123456789\n\n", max: 10, want: result{Err: ErrEventTooLarge}},
	{name: "event at bound", in: "data: 01\n\n", max: 8, want: result{Events: []Event{ev("01")}, Err: io.EOF}},
	{name: "line one past bound", in: "data: 01\n\n", max: 7, want: result{Err: ErrEventTooLarge}},
	{name: "lines of one event add up", in: "data: 01\ndata: 0123\n\n", max: 16, want: result{Err: ErrEventTooLarge}},
	{name: "lines of one event within bound", in: "data: 01\ndata: 0123\n\n", max: 18, want: result{
		Events: []Event{ev("01\n0123")}, Err: io.EOF}},
	{name: "every field line counts", in: "id: 123456\nevent: x\ndata: a\n\n", max: 24, want: result{Err: ErrEventTooLarge}},
	{name: "bound resets at blank line", in: "data: 01\n\nid: 2\n\ndata: 23\n\n", max: 8, want: result{
		Events: []Event{ev("01"), {Data: []byte("23"), ID: "2"}}, Err: io.EOF, LastID: "2"}},
	{name: "events before oversized one delivered", in: "id: 1\ndata: a\n\nretry: 7\n: c\ndata: 0123456789\n\n", max: 12,
		want: result{Events: []Event{{Data: []byte("a"), ID: "1"}}, Err: ErrEventTooLarge,
			LastID: "1", Retry: 7 * time.Millisecond, RetrySet: true, Comments: 1}},
	{name: "unfinished line over bound", in: "data: 0123456789", max: 8, want: result{Err: ErrEventTooLarge}},
	{name: "long comment skipped under bound", in: ": this comment is far longer than the bound\ndata\n\n", max: 4,
		want: result{Events: []Event{ev("")}, Err: io.EOF, Comments: 1}},
}

// TestNext runs every case through every way of delivering its input, including a
// split into two reads at every position.
func TestNext(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			in := []byte(tc.in)
			for _, src := range sources {
				got := collect(t, NewReader(src.open(in), tc.max))
				if d := diffResult(tc.want, got); d != "" {
					t.Errorf("parse(%q) via %s:\n%s", tc.in, src.name, d)
				}
			}
			for k := 0; k <= len(in); k++ {
				got := collect(t, NewReader(splitAt(in, k), tc.max))
				if d := diffResult(tc.want, got); d != "" {
					t.Fatalf("parse(%q) split at %d:\n%s", tc.in, k, d)
				}
			}
		})
	}
}

// TestNextReference checks the reference parser used by FuzzReader against the same
// cases, so that the fuzz comparison rests on a parser that is itself tested.
func TestNextReference(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			if d := diffResult(tc.want, reference([]byte(tc.in), tc.max)); d != "" {
				t.Errorf("reference(%q):\n%s", tc.in, d)
			}
		})
	}
}

// TestNextEventsAreFresh checks that the Reader does not reuse Data between events.
func TestNextEventsAreFresh(t *testing.T) {
	r := NewReader(bytes.NewReader([]byte("data: aaaa\n\ndata: bbbb\n\n")), 0)
	first, err := r.Next()
	if err != nil {
		t.Fatalf("Next() error = %v, want nil", err)
	}
	if _, err := r.Next(); err != nil {
		t.Fatalf("Next() error = %v, want nil", err)
	}
	if string(first.Data) != "aaaa" {
		t.Errorf("first Next().Data after second Next() = %q, want %q", first.Data, "aaaa")
	}
}

func TestReleaseReusesBuffer(t *testing.T) {
	r := NewReader(strings.NewReader("data: one\n\n"), 0)
	if ev, err := r.Next(); err != nil || string(ev.Data) != "one" {
		t.Fatalf("Next() = %q, %v", ev.Data, err)
	}
	r.Release()
	r.Release() // idempotent
	if _, err := r.Next(); err == nil {
		t.Error("Next() after Release = nil error")
	}
	// A new reader, maybe on the released buffer, sees only its own input.
	r2 := NewReader(strings.NewReader("data: two\n\n"), 0)
	defer r2.Release()
	if ev, err := r2.Next(); err != nil || string(ev.Data) != "two" {
		t.Fatalf("second reader Next() = %q, %v", ev.Data, err)
	}
}
