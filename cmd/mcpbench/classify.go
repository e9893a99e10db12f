package main

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"syscall"

	"github.com/mcpclient/mcpclient"
	"github.com/mcpclient/mcpclient/internal/bench"
)

// classify sorts a failed request into the kinds the report counts. The
// order matters: an HTTP status is the most specific fact, and a timeout
// deep inside a connection error is still a timeout.
func classify(err error) bench.Kind {
	if err == nil {
		return bench.OK
	}
	var he *mcpclient.HTTPError
	if errors.As(err, &he) && he.StatusCode != 0 {
		switch {
		case he.StatusCode == 429:
			return bench.Throttled
		case he.StatusCode >= 500:
			return bench.ServerError
		case he.StatusCode >= 400:
			return bench.ClientError
		}
		return bench.Other
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, mcpclient.ErrTimeout) ||
		(errors.As(err, &ne) && ne.Timeout()) {
		return bench.Timeout
	}
	var rpc *mcpclient.RPCError
	if errors.As(err, &rpc) {
		return bench.RPCError
	}
	var ue *url.Error
	var oe *net.OpError
	switch {
	case errors.Is(err, mcpclient.ErrClosed),
		errors.As(err, &oe), errors.As(err, &ue),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return bench.Connection
	}
	return bench.Other
}
