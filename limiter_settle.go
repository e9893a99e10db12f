package mcpclient

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"sync"
)

// estimateTokens guesses a chat request's tokens before it is sent: about
// four bytes of request per prompt token, plus all the completion tokens
// it allows. [TokenLimit] settles the guess against the reported usage.
func estimateTokens(body []byte) int {
	return len(body)/4 + jsonInt(body, `"max_completion_tokens":`) + jsonInt(body, `"max_tokens":`)
}

// jsonInt reads the integer after key in an encoded request, or 0. The
// request is our own encoding, so a plain search is exact: a key inside a
// string value would have its quotes escaped.
func jsonInt(body []byte, key string) int {
	i := bytes.Index(body, []byte(key))
	if i < 0 {
		return 0
	}
	rest := bytes.TrimLeft(body[i+len(key):], " ")
	end := 0
	for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(string(rest[:end]))
	if err != nil {
		return 0
	}
	return n
}

// usageTail is how much of a response's end is kept to find its usage:
// the usage object closes a completion and ends a stream.
const usageTail = 4 << 10

// settleOnClose returns body wrapped so that permit learns the outcome,
// with the token usage found at the body's end, once the body is read to
// its end or closed; a permit that settles nothing gets the outcome now.
func settleOnClose(body io.ReadCloser, permit Permit, o Outcome) io.ReadCloser {
	if _, ok := permit.(noopPermit); ok {
		return body
	}
	return &settleBody{body: body, permit: permit, out: o}
}

// settleBody reports to its permit when the response is over. Read and
// Close are called by the one goroutine that consumes the response.
type settleBody struct {
	body   io.ReadCloser
	permit Permit
	out    Outcome
	tail   []byte
	once   sync.Once
}

func (b *settleBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	b.tail = append(b.tail, p[:n]...)
	if len(b.tail) > 2*usageTail {
		b.tail = append(b.tail[:0], b.tail[len(b.tail)-usageTail:]...)
	}
	if err != nil {
		b.settle()
	}
	return n, err
}

func (b *settleBody) Close() error {
	err := b.body.Close()
	b.settle()
	return err
}

func (b *settleBody) settle() {
	b.once.Do(func() {
		if u, ok := findUsage(b.tail); ok {
			b.out.Used = u
		}
		b.tail = nil
		b.permit.Done(b.out)
	})
}

// findUsage reads the last non-null "usage" object in data: a completion's,
// or a stream's final chunk's.
func findUsage(data []byte) (Cost, bool) {
	key := []byte(`"usage":`)
	for end := len(data); ; {
		i := bytes.LastIndex(data[:end], key)
		if i < 0 {
			return Cost{}, false
		}
		var u *struct {
			Prompt     int `json:"prompt_tokens"`
			Completion int `json:"completion_tokens"`
			Total      int `json:"total_tokens"`
		}
		if json.NewDecoder(bytes.NewReader(data[i+len(key):])).Decode(&u) == nil && u != nil {
			total := u.Total
			if total == 0 {
				total = u.Prompt + u.Completion
			}
			if total > 0 {
				return Cost{Requests: 1, Tokens: total}, true
			}
		}
		end = i
	}
}
