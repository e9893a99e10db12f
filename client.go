package mcpclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"golang.org/x/sync/semaphore"
)

// Options configure a [Client]. NewClient copies them; nil means defaults.
type Options struct {
	// BaseURL is the OpenAI-compatible endpoint, including its version path
	// (for example http://127.0.0.1:8080/v1). Empty means OpenAI's.
	BaseURL string
	// APIKey is sent as a bearer token; empty sends none.
	APIKey string
	// Model names the model; required to run a chat.
	Model string
	// Organization is sent as OpenAI-Organization when set.
	Organization string
	// Headers are added to every model request (gateways often need some).
	Headers http.Header
	// HTTPClient carries model requests; nil means a client on the shared
	// pooled transport of [NewHTTPTransport]. Retries, rate limits and the
	// stream idle timeout wrap its transport either way.
	HTTPClient *http.Client

	// SystemPrompt, when set, starts every run that has no system message.
	SystemPrompt string
	// MaxTurns bounds model requests per run; 0 means 10.
	MaxTurns int
	// Temperature and MaxTokens are sent when set.
	Temperature *float32
	MaxTokens   int

	// MaxParallelTools bounds tool calls running at once across the
	// client; 0 means 8. MaxParallelPerServer bounds them per MCP server;
	// 0 means 4.
	MaxParallelTools     int
	MaxParallelPerServer int
	// ToolTimeout bounds one MCP tool call; 0 means the session's request
	// timeout.
	ToolTimeout time.Duration

	// Retry is the policy for model requests; nil means DefaultRetryPolicy.
	Retry *RetryPolicy
	// Limiter admits model requests, each attempt separately, with a cost
	// of one request and the tokens estimated from the request (see
	// [TokenLimit]); nil means no limit. The client has one model
	// endpoint, so this is its per-endpoint limit; give several clients
	// the same Limiter to share one budget in the process, or a limiter of
	// the redislimit package to share it across processes. [ParseLimiter]
	// builds one from text.
	Limiter Limiter
	// ServerLimiters admit MCP tool calls per server, keyed by the name
	// given to Connect or AddSession; each attempt is admitted separately,
	// at a cost of one request. Servers not named are not limited.
	ServerLimiters map[string]Limiter
	// ToolRetry is the policy for tool calls that fail without an answer;
	// nil means DefaultToolRetryPolicy.
	ToolRetry *ToolRetryPolicy
	// Breaker, when set, gives the model endpoint and every MCP server a
	// circuit breaker with this policy; see [Client.Breakers]. nil means
	// none.
	Breaker *BreakerPolicy
	// OnEvent, when set, receives every resilience decision: waits,
	// retries, rate cuts and holds, breaker trips, shed requests (see
	// [Event]); each also goes to Logger and into [Client.Stats]. It may
	// be called from several goroutines at once and must not block.
	OnEvent func(Event)
	// StreamIdleTimeout ends a model stream that sends nothing at all, not
	// even a keepalive, for this long; 0 means 2 minutes.
	StreamIdleTimeout time.Duration

	// StrictSchemas sends tools in strict mode when their schema can be
	// expressed there. Optional properties then become nullable, and nulls
	// the model sends for them are removed before the tool is called.
	StrictSchemas bool
	// ImagesToModel forwards images from tool results to the model, in a
	// user message after the tool messages. Leave it off for models without
	// vision, which then get a short placeholder instead.
	ImagesToModel bool

	// ApproveToolCall, when set, is asked before every tool call; an error
	// refuses the call and is told to the model. The call's Result, Err and
	// Duration are not set yet.
	ApproveToolCall func(ctx context.Context, call *ToolCallEvent) error
	// ApproveSampling, when set, lets servers connected through
	// [Client.Connect] use this client's model (sampling/createMessage):
	// each request is shown to it first, and an error refuses it. nil
	// refuses all sampling.
	ApproveSampling func(ctx context.Context, req *SamplingEvent) error
	// OnToolCall, when set, observes every tool call once it has ended. It
	// may be called from several goroutines at once.
	OnToolCall func(call *ToolCallEvent)

	// Logger receives the client's logs; nil discards them.
	Logger *slog.Logger
}

// ToolCallEvent describes one tool call requested by the model.
type ToolCallEvent struct {
	ID          string // the model's tool_call_id
	Name        string // the function name the model used
	Server      string // the MCP server, empty for local tools
	Tool        string // the tool's own name
	Arguments   json.RawMessage
	Annotations *ToolAnnotations

	Duration time.Duration
	Result   *CallToolResult // nil when the call failed before a result
	Err      error           // why there is no result
}

// Usage sums what a run's model requests reported.
type Usage struct {
	Requests         int `json:"requests"`
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

func (u *Usage) add(o openai.Usage) {
	u.Requests++
	u.PromptTokens += o.PromptTokens
	u.CompletionTokens += o.CompletionTokens
	u.TotalTokens += o.TotalTokens
}

// Client gives an OpenAI-compatible chat model the tools of MCP servers and
// local Go functions, and runs the model's tool calls. It is safe for
// concurrent use; runs share its sessions, limits and connections.
type Client struct {
	opts   Options
	logger *slog.Logger
	// endpoint is the chat completions URL.
	endpoint string
	http     *http.Client
	reg      *registry
	sem      *semaphore.Weighted

	obs         *observer
	breakers    *breakerSet // nil without Options.Breaker
	toolRetry   ToolRetryPolicy
	toolBudgets *budgetSet

	mu    sync.Mutex
	owned []*Session // sessions Connect opened, closed by Close
}

// NewClient returns a client. It starts nothing and opens no connection.
func NewClient(opts *Options) (*Client, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.BaseURL == "" {
		o.BaseURL = "https://api.openai.com/v1"
	}
	if o.MaxTurns <= 0 {
		o.MaxTurns = 10
	}
	if o.MaxParallelTools <= 0 {
		o.MaxParallelTools = 8
	}
	if o.MaxParallelPerServer <= 0 {
		o.MaxParallelPerServer = 4
	}
	if o.StreamIdleTimeout <= 0 {
		o.StreamIdleTimeout = 2 * time.Minute
	}
	retry := DefaultRetryPolicy
	if o.Retry != nil {
		retry = o.Retry.withDefaults()
	}
	o.Headers = o.Headers.Clone()
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	o.ServerLimiters = maps.Clone(o.ServerLimiters)
	toolRetry := DefaultToolRetryPolicy
	if o.ToolRetry != nil {
		toolRetry = o.ToolRetry.withDefaults()
	}
	obs := &observer{hook: o.OnEvent, logger: logger}
	breakers := newBreakerSet(o.Breaker)
	retry = retry.withDefaults()

	base := http.RoundTripper(sharedTransport())
	hc := &http.Client{}
	if o.HTTPClient != nil {
		*hc = *o.HTTPClient
		if hc.Transport != nil {
			base = hc.Transport
		}
	}
	hc.Transport = &modelTransport{
		base:        base,
		headers:     o.Headers,
		limiter:     o.Limiter,
		retry:       retry,
		budget:      newRetryBudget(retry.BudgetRatio, retry.BudgetMinPerSecond),
		breaker:     breakers.forModel(),
		obs:         obs,
		sink:        &eventSink{obs: obs},
		idleTimeout: o.StreamIdleTimeout,
		logger:      logger,
		now:         time.Now,
		sleep:       sleepCtx,
	}

	c := &Client{
		opts:        o,
		logger:      logger,
		endpoint:    strings.TrimRight(o.BaseURL, "/") + "/chat/completions",
		http:        hc,
		sem:         semaphore.NewWeighted(int64(o.MaxParallelTools)),
		reg:         &registry{logger: logger, strict: o.StrictSchemas, perServe: int64(o.MaxParallelPerServer)},
		obs:         obs,
		breakers:    breakers,
		toolRetry:   toolRetry,
		toolBudgets: newBudgetSet(toolRetry.BudgetRatio, toolRetry.BudgetMinPerSecond),
	}
	return c, nil
}

var (
	sharedOnce sync.Once
	shared     *http.Transport
)

// sharedTransport is the pool every client without its own HTTP client
// uses, so that many clients in one process reuse connections.
func sharedTransport() *http.Transport {
	sharedOnce.Do(func() { shared = NewHTTPTransport() })
	return shared
}

// Connect connects to an MCP server, adds its tools under name, and keeps
// the session until Close. opts may be nil; its Name and Logger default to
// name and the client's logger.
func (c *Client) Connect(ctx context.Context, name string, t Transport, opts *SessionOptions) (*Session, error) {
	var o SessionOptions
	if opts != nil {
		o = *opts
	}
	if o.Name == "" {
		o.Name = name
	}
	if o.Logger == nil {
		o.Logger = c.opts.Logger
	}
	if o.CreateMessage == nil && c.opts.ApproveSampling != nil {
		o.CreateMessage = c.sampler(name)
	}
	s, err := Connect(ctx, t, &o)
	if err != nil {
		return nil, fmt.Errorf("mcpclient: connect to server %q: %w", name, err)
	}
	if err := c.reg.addServer(name, s); err != nil {
		s.Close()
		return nil, err
	}
	c.mu.Lock()
	c.owned = append(c.owned, s)
	c.mu.Unlock()
	return s, nil
}

// AddSession adds the tools of a session the caller owns under name; Close
// leaves it open.
func (c *Client) AddSession(name string, s *Session) error {
	if s == nil {
		return errors.New("mcpclient: add session: nil session")
	}
	return c.reg.addServer(name, s)
}

// AddTool adds a local Go tool; see [NewTool].
func (c *Client) AddTool(t *LocalTool) error { return c.reg.addLocal(t) }

// Tools lists the tools offered to the model, with the names it sees.
func (c *Client) Tools(ctx context.Context) []ToolInfo {
	return c.reg.catalog(ctx).infos()
}

// Close closes the sessions opened by Connect, all of them even if some
// fail, and returns their errors joined.
func (c *Client) Close() error {
	c.mu.Lock()
	owned := c.owned
	c.owned = nil
	c.mu.Unlock()
	var wg sync.WaitGroup
	errs := make([]error, len(owned))
	for i, s := range owned {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Close()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
