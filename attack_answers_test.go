package mcpclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mcpclient/mcpclient/internal/testserver"
)

// Attack tests on what servers answer: malformed messages, results that
// the hand-written decoder must read exactly as encoding/json, answers that
// come early, ids echoed as strings.

// malformedCase is one way of answering a tools/call badly (or oddly but
// validly). want is the text of a call that must succeed; empty means the
// call must fail, and fail before its timeout.
type malformedCase struct {
	name   string
	answer func(w http.ResponseWriter, id string)
	want   string
}

// jsonAnswer answers with one body, ID replaced by the request's raw id.
func jsonAnswer(status int, body string) func(w http.ResponseWriter, id string) {
	return func(w http.ResponseWriter, id string) {
		mockJSON(w, status, strings.ReplaceAll(body, "ID", id))
	}
}

// sseAnswer answers with an event stream of the given events, ID replaced
// by the request's raw id; the stream ends after them.
func sseAnswer(events ...string) func(w http.ResponseWriter, id string) {
	return func(w http.ResponseWriter, id string) {
		evs := make([]string, len(events))
		for i, ev := range events {
			evs[i] = strings.ReplaceAll(ev, "ID", id)
		}
		mockSSE(w, evs...)
	}
}

var malformedCases = []malformedCase{
	{"json not JSON", jsonAnswer(200, `{not json`), ""},
	{"json truncated", jsonAnswer(200, `{"jsonrpc":"2.0","id":ID,"result":{"content":[`), ""},
	{"json without jsonrpc", jsonAnswer(200, `{"id":ID,"result":{"content":[]}}`), ""},
	{"json jsonrpc 1.0", jsonAnswer(200, `{"jsonrpc":"1.0","id":ID,"result":{"content":[]}}`), ""},
	{"json wrong id", jsonAnswer(200, `{"jsonrpc":"2.0","id":ID000,"result":{"content":[]}}`), ""},
	{"json null id error", jsonAnswer(200, `{"jsonrpc":"2.0","id":null,"error":{"code":-32603,"message":"x"}}`), ""},
	{"json result and error", jsonAnswer(200, `{"jsonrpc":"2.0","id":ID,"result":{},"error":{"code":1,"message":"x"}}`), ""},
	{"json error code a string", jsonAnswer(200, `{"jsonrpc":"2.0","id":ID,"error":{"code":"x","message":"y"}}`), ""},
	{"json error a string", jsonAnswer(200, `{"jsonrpc":"2.0","id":ID,"error":"boom"}`), ""},
	{"json result a number", jsonAnswer(200, `{"jsonrpc":"2.0","id":ID,"result":5}`), ""},
	{"json result malformed inside", jsonAnswer(200, `{"jsonrpc":"2.0","id":ID,"result":{"content":[{"type":"text","text":1}]}}`), ""},
	{"json result invalid JSON", jsonAnswer(200, `{"jsonrpc":"2.0","id":ID,"result":{"content":tru}}`), ""},
	{"json empty body", jsonAnswer(200, ``), ""},
	{"json 202", jsonAnswer(202, ``), ""},
	{"json 500 page", func(w http.ResponseWriter, id string) { http.Error(w, "<html>oops</html>", 500) }, ""},
	{"json 400 with rpc error", jsonAnswer(400, `{"jsonrpc":"2.0","id":ID,"error":{"code":-32602,"message":"bad"}}`), ""},
	{"text/plain", func(w http.ResponseWriter, id string) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, `{"jsonrpc":"2.0","id":`+id+`,"result":{"content":[]}}`)
	}, ""},
	{"json batch empty", jsonAnswer(200, `[]`), ""},
	{"json batch malformed", jsonAnswer(200, `[{"jsonrpc":"2.0","id":ID,"result":{}},]`), ""},
	{"json batch without jsonrpc", jsonAnswer(200, `[{"id":ID,"result":{"content":[]}}]`), ""},
	{"json batch error key cased", jsonAnswer(200, `[{"jsonrpc":"2.0","id":ID,"result":{},"Error":{"code":1,"message":"x"}}]`), ""},
	{"json escaped result key", jsonAnswer(200, `{"jsonrpc":"2.0","id":ID,"resul\u0074":{"content":[{"type":"text","text":"esc"}]}}`), "esc"},
	{"json id as string", jsonAnswer(200, `{"jsonrpc":"2.0","id":"ID","result":{"content":[{"type":"text","text":"str"}]}}`), "str"},
	{"json batch with progress", jsonAnswer(200, `[`+progressNote(json.RawMessage("ID"))+`,{"jsonrpc":"2.0","id":ID,"result":{"content":[{"type":"text","text":"batch"}]}}]`), "batch"},
	{"json duplicate answer", jsonAnswer(200, `[{"jsonrpc":"2.0","id":ID,"result":{"content":[{"type":"text","text":"dup"}]}},{"jsonrpc":"2.0","id":ID,"result":{"content":[{"type":"text","text":"second"}]}}]`), "dup"},
	{"sse no events", sseAnswer(), ""},
	{"sse malformed then end", sseAnswer(sseData(`{not json`)), ""},
	{"sse unknown event type", sseAnswer("event: other\n" + sseData(`{"jsonrpc":"2.0","id":ID,"result":{"content":[]}}`)), ""},
	{"sse first without jsonrpc", sseAnswer(sseData(`{"id":ID,"result":{"content":[]}}`)), ""},
	{"sse progress then without jsonrpc", sseAnswer(sseData(progressNote(json.RawMessage("ID"))), sseData(`{"id":ID,"result":{"content":[]}}`)), ""},
	{"sse progress then error code a string", sseAnswer(sseData(progressNote(json.RawMessage("ID"))), sseData(`{"jsonrpc":"2.0","id":ID,"error":{"code":"x","message":"y"}}`)), ""},
	{"sse progress then error key cased", sseAnswer(sseData(progressNote(json.RawMessage("ID"))), sseData(`{"jsonrpc":"2.0","id":ID,"result":{},"Error":{"code":1,"message":"x"}}`)), ""},
	{"sse progress then answer", sseAnswer(sseData(progressNote(json.RawMessage("ID"))), sseData(`{"jsonrpc":"2.0","id":ID,"result":{"content":[{"type":"text","text":"late"}]}}`)), "late"},
	{"sse answer twice", sseAnswer(sseData(`{"jsonrpc":"2.0","id":ID,"result":{"content":[{"type":"text","text":"once"}]}}`), sseData(`{"jsonrpc":"2.0","id":ID,"result":{"content":[{"type":"text","text":"twice"}]}}`)), "once"},
	{"sse split lines and CR", sseAnswer("data: {\"jsonrpc\":\"2.0\",\r\ndata: \"id\":ID,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"split\"}]}}\r\r"), "split"},
	{"sse broken then resume refused", sseAnswer("retry: 10\n\n", "id: e1\n"+sseData(progressNote(json.RawMessage("ID")))), ""},
}

// TestAttackMalformedAnswers answers tools/call in every broken way listed
// above, concurrently on one session: each call must fail promptly (not
// wait for its timeout) or, for the odd but valid answers, succeed; and the
// session must work afterwards with nothing left pending.
func TestAttackMalformedAnswers(t *testing.T) {
	t.Parallel()
	byName := make(map[string]malformedCase)
	for _, c := range malformedCases {
		byName[c.name] = c
	}
	p := newMockPeer(t, func(p *mockPeer) {
		p.post = func(w http.ResponseWriter, r *http.Request, m mockMsg) bool {
			if m.Method != "tools/call" {
				return false
			}
			c, ok := byName[m.toolName()]
			if !ok {
				return false
			}
			c.answer(w, string(m.ID))
			return true
		}
		p.get = func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Last-Event-ID") != "" {
				http.Error(w, "session not found", http.StatusNotFound)
				return
			}
			http.Error(w, "no GET stream", http.StatusMethodNotAllowed)
		}
	})
	s := p.connect(t, nil, nil)
	ctx := testContext(t)
	// The calls run at once, so that the hanging ones cost one timeout.
	const timeout = 3 * time.Second
	type outcome struct {
		res  *CallToolResult
		err  error
		took time.Duration
	}
	outcomes := make([]outcome, len(malformedCases))
	concurrently(len(malformedCases), func(i int) {
		start := time.Now()
		res, err := s.CallTool(ctx, malformedCases[i].name, nil, &CallOptions{Timeout: timeout})
		outcomes[i] = outcome{res, err, time.Since(start)}
	})
	for i, c := range malformedCases {
		t.Run(c.name, func(t *testing.T) {
			res, err, took := outcomes[i].res, outcomes[i].err, outcomes[i].took
			switch {
			case c.want != "" && (err != nil || res.Text() != c.want):
				t.Errorf("CallTool = %v, %v; want %q", res, err, c.want)
			case c.want != "":
			case err == nil:
				t.Errorf("CallTool = %+v, want an error", res)
			case errors.Is(err, ErrTimeout) || took >= timeout:
				t.Errorf("CallTool waited for its timeout (%v): %v; a malformed answer must fail its call at once", took.Round(time.Millisecond), err)
			}
		})
	}
	if res, err := s.CallTool(ctx, "fine", nil, nil); err != nil || res.Text() != "ok" {
		t.Errorf("CallTool after the malformed answers = %v, %v; want ok", res, err)
	}
	if n := pendingCount(s); n != 0 {
		t.Errorf("requests still pending = %d, want 0", n)
	}
	if err := s.Err(); err != nil {
		t.Errorf("session ended: %v", err)
	}
}

// resultCases are tools/call results, as sent, that CallTool must decode
// exactly as encoding/json does: escapes, Unicode, unknown content types,
// odd keys and members.
var resultCases = []string{
	`{"content":[{"type":"text","text":"plain"}]}`,
	`{"content":[{"type":"text","text":"caf\u00e9 \ud83d\ude00 \/ \" \\ \t \b \f \r \n"}]}`,
	`{"content":[{"type":"text","text":"lone \ud800 surrogate"}]}`,
	"{\"content\":[{\"type\":\"text\",\"text\":\"raw \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80\"}]}",
	"{\"content\":[{\"type\":\"text\",\"text\":\"invalid \xff\xfe utf-8\"}]}",
	"{\"content\":[{\"type\":\"text\",\"text\":\"line sep \xe2\x80\xa8 and nul \\u0000\"}]}",
	`{"content":[{"type":"widget","text":"w","extra":{"a":[1,2,{"b":null}]}}]}`,
	`{"content":[{"type":"text","text":"a"},{"type":"widget","payload":"x"},{"type":"image","data":"AAAA","mimeType":"image/png"}]}`,
	`{"content":[{"type":"te\u0078t","text":"escaped type"}]}`,
	`{"content":[{"type":"","text":"no type"}]}`,
	`{"content":[{"text":"type missing"}]}`,
	`{"content":[{"type":"text","TEXT":"cased key"}]}`,
	`{"content":[{"type":"text","text":"a","_meta":{"k":"v"},"annotations":{"priority":1}}]}`,
	`{"conten\u0074":[{"type":"text","text":"escaped key"}]}`,
	`{"Content":[{"type":"text","text":"cased"}],"ISERROR":true}`,
	`{"content":[{"type":"text","text":"x"}],"isError":true,"structuredContent":{"n":1e400}}`,
	`{"content":[{"type":"text","text":"x"}],"structuredContent":{"big":12345678901234567890123}}`,
	`{"content":[{"type":"text","text":"x"}],"_meta":{"a":"\u00e9"},"structuredContent":[1,"two",null]}`,
	`{"isError":false,"content":[]}`,
	"{\n\t\"content\" :\r\n[ {\"type\" : \"text\" ,\n\"text\":\"spaced\" } ] \n}",
	`{"content":[{"type":"text","text":"dup"}],"content":[{"type":"text","text":"second"}]}`,
	`{"content":[{"type":"text","text":"x"}],"isError":1}`,
	`{"content":[{"type":"resource","resource":{"uri":"file:///a","text":"body \u00e9"}}]}`,
	`{"content":[{"type":"resource_link","uri":"file:///b","name":"b","size":42}]}`,
}

// randomResult builds a tools/call result from pieces that stress the
// hand-read path: escapes, raw and invalid UTF-8, cased and repeated keys,
// unknown members and types, and whitespace anywhere.
func randomResult(rng *rand.Rand) string {
	strs := []string{`""`, `"plain"`, `"q\"uote"`, `"back\\slash"`, `"\u00e9"`, `"\ud83d\ude00"`, `"\udc00"`,
		`"tab\tnl\n"`, "\"raw \xc3\xa9\"", "\"bad \xc3\"", `"\/"`, `"a b c"`, "\"\xe2\x80\xa8\""}
	types := []string{`"text"`, `"text"`, `"text"`, `"image"`, `"widget"`, `""`, `"te\u0078t"`, `"Text"`}
	itemKeys := []string{`"type"`, `"text"`, `"text"`, `"type"`, `"annotations"`, `"TEXT"`, `"te\u0078t"`, `"_meta"`, `"data"`}
	values := []string{`null`, `true`, `1`, `{"a":[1,{"b":"c"}]}`, `[]`, `"s"`}
	ws := func() string {
		if rng.IntN(4) == 0 {
			return []string{" ", "\n", "\t", "\r\n "}[rng.IntN(4)]
		}
		return ""
	}
	item := func() string {
		var b strings.Builder
		b.WriteString("{" + ws())
		n := 1 + rng.IntN(3)
		for k := range n {
			if k > 0 {
				b.WriteString("," + ws())
			}
			key := itemKeys[rng.IntN(len(itemKeys))]
			b.WriteString(key + ws() + ":" + ws())
			switch key {
			case `"type"`:
				b.WriteString(types[rng.IntN(len(types))])
			case `"annotations"`, `"_meta"`:
				b.WriteString(values[3])
			default:
				if rng.IntN(10) == 0 {
					b.WriteString(values[rng.IntN(len(values))])
				} else {
					b.WriteString(strs[rng.IntN(len(strs))])
				}
			}
			b.WriteString(ws())
		}
		b.WriteString("}")
		return b.String()
	}
	topKeys := []string{`"content"`, `"content"`, `"isError"`, `"_meta"`, `"structuredContent"`, `"other"`, `"Content"`, `"isERROR"`}
	var b strings.Builder
	b.WriteString(ws() + "{" + ws())
	n := rng.IntN(4)
	for k := range n {
		if k > 0 {
			b.WriteString("," + ws())
		}
		key := topKeys[rng.IntN(len(topKeys))]
		b.WriteString(key + ws() + ":" + ws())
		switch key {
		case `"content"`, `"Content"`:
			b.WriteString("[" + ws())
			for j := range rng.IntN(4) {
				if j > 0 {
					b.WriteString("," + ws())
				}
				b.WriteString(item())
			}
			b.WriteString(ws() + "]")
		case `"isError"`, `"isERROR"`:
			b.WriteString([]string{"true", "false", "null", `"yes"`}[rng.IntN(4)])
		default:
			b.WriteString(values[rng.IntN(len(values))])
		}
		b.WriteString(ws())
	}
	b.WriteString("}" + ws())
	return b.String()
}

// decodeLikeJSON is what CallTool must return for a result: encoding/json's
// decoding, with Raw holding the items of types this client does not know.
func decodeLikeJSON(raw string) (CallToolResult, error) {
	var res CallToolResult
	if err := json.Unmarshal([]byte(raw), &res); err != nil {
		return CallToolResult{}, err
	}
	var env struct {
		Content []json.RawMessage `json:"content"`
	}
	json.Unmarshal([]byte(raw), &env)
	for i := range res.Content {
		switch res.Content[i].Type {
		case "text", "image", "audio", "resource", "resource_link":
		default:
			res.Content[i].Raw = env.Content[i]
		}
	}
	return res, nil
}

// TestAttackResultDecoding sends listed and random tools/call results as
// JSON bodies and as events: what CallTool returns must be what
// encoding/json gives, and a result it cannot decode must fail the call.
func TestAttackResultDecoding(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	results := append([]string(nil), resultCases...)
	for range 300 {
		results = append(results, randomResult(rng))
	}
	p := newMockPeer(t, func(p *mockPeer) {
		p.post = func(w http.ResponseWriter, r *http.Request, m mockMsg) bool {
			name := m.toolName()
			if m.Method != "tools/call" || len(name) < 2 {
				return false
			}
			i, err := strconv.Atoi(name[1:])
			if err != nil || i >= len(results) {
				return false
			}
			msg := `{"jsonrpc":"2.0","id":` + string(m.ID) + `,"result":` + results[i] + `}`
			if name[0] == 's' {
				mockSSE(w, "data: "+strings.NewReplacer("\r\n", "\ndata: ", "\n", "\ndata: ", "\r", "\ndata: ").Replace(msg)+"\n\n")
			} else {
				mockJSON(w, http.StatusOK, msg)
			}
			return true
		}
	})
	s := p.connect(t, nil, nil)
	ctx := testContext(t)
	fast := 0
	// An event stream joins its data lines with LF, so the result arrives
	// with its line ends changed; Raw keeps them as they arrive.
	lineEnds := strings.NewReplacer("\r\n", "\n", "\r", "\n")
	for i, raw := range results {
		var probe CallToolResult
		if fastCallToolResult([]byte(raw), &probe) {
			fast++
		}
		for _, prefix := range []string{"j", "s"} {
			sent := raw
			if prefix == "s" {
				sent = lineEnds.Replace(raw)
			}
			want, wantErr := decodeLikeJSON(sent)
			got, err := s.CallTool(ctx, prefix+strconv.Itoa(i), nil, &CallOptions{Timeout: 10 * time.Second})
			switch {
			case wantErr != nil && err == nil:
				t.Errorf("CallTool(%s) with result %q = %+v, want an error as encoding/json gives (%v)", prefix, raw, got, wantErr)
			case wantErr == nil && err != nil:
				t.Errorf("CallTool(%s) with result %q error = %v, want %+v", prefix, raw, err, want)
			case wantErr == nil:
				if diff := cmp.Diff(want, *got); diff != "" {
					t.Errorf("CallTool(%s) with result %q mismatch (-encoding/json +CallTool):\n%s", prefix, raw, diff)
				}
			}
		}
	}
	// The cases must reach the hand-read path, not only the fallback.
	if fast < 20 {
		t.Errorf("results taken by the hand-read path = %d, want at least 20", fast)
	}
}

// TestAttackAnswerBeforeBody has the server answer a large tools/call
// after reading only the start of its body, once with a result and once
// with a 413 error: the call must end promptly and the session go on.
func TestAttackAnswerBeforeBody(t *testing.T) {
	p := newMockPeer(t, func(p *mockPeer) {
		p.raw = func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method != http.MethodPost || r.ContentLength < 1<<20 {
				return false
			}
			head := make([]byte, 128)
			n, _ := io.ReadFull(r.Body, head)
			// The session writes the id, the method and the tool's name
			// first: {"jsonrpc":"2.0","id":N,"method":"tools/call",...
			_, rest, _ := strings.Cut(string(head[:n]), `"id":`)
			id, _, _ := strings.Cut(rest, ",")
			if strings.Contains(string(head[:n]), `"refuse"`) {
				mockJSON(w, http.StatusRequestEntityTooLarge, `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"request too large"}}`)
				return true
			}
			mockJSON(w, http.StatusOK, `{"jsonrpc":"2.0","id":`+id+`,"result":{"content":[{"type":"text","text":"early"}]}}`)
			return true
		}
	})
	s := p.connect(t, nil, nil)
	ctx := testContext(t)
	big := strings.Repeat("x", 4<<20)
	args := json.RawMessage(`{"pad":"` + big + `"}`)
	tests := []struct {
		name    string // the tool, which tells the server how to answer
		want    string // the result's text; empty when the call must fail
		wantErr int64  // the RPC error code a failure should carry
	}{
		{"answer", "early", 0},
		{"refuse", "", -32600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			res, err := s.CallTool(ctx, tt.name, args, &CallOptions{Timeout: 10 * time.Second})
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("CallTool took %v", d)
			}
			var rpcErr *RPCError
			switch {
			case tt.want != "" && (err != nil || res.Text() != tt.want):
				t.Errorf("CallTool = %v, %v; want %q", res, err, tt.want)
			case tt.want == "" && (!errors.As(err, &rpcErr) || rpcErr.Code != tt.wantErr):
				t.Errorf("CallTool error = %v, want the server's RPC error %d", err, tt.wantErr)
			}
			if err := s.Ping(ctx); err != nil {
				t.Errorf("Ping afterwards: %v", err)
			}
		})
	}
}

// TestAttackStringIDs runs concurrent calls against a server that echoes
// request ids as strings, with JSON and event-stream answers.
func TestAttackStringIDs(t *testing.T) {
	for _, sse := range []bool{false, true} {
		t.Run(fmt.Sprintf("sse=%v", sse), func(t *testing.T) {
			f := newHTTPFixture(t, testserver.Options{Tools: []testserver.Tool{echoTool()}, Faults: testserver.Faults{StringIDs: true}},
				testserver.HTTPOptions{SSEResponses: sse})
			s := f.connect(t, nil, nil)
			ctx := testContext(t)
			concurrently(32, func(i int) {
				want := strconv.Itoa(i)
				res, err := s.CallTool(ctx, "echo", map[string]string{"text": want}, &CallOptions{Timeout: 10 * time.Second})
				if err != nil || res.Text() != want {
					t.Errorf("CallTool(echo %s) = %v, %v", want, res, err)
				}
			})
		})
	}
}
