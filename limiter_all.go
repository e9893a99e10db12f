package mcpclient

import "context"

// AllOf returns a [Limiter] that admits a request once every one of
// limiters has, in the order given; nil entries are skipped. Use it for
// several budgets at once, such as tokens per minute ([TokenLimit]) and
// requests per second: put the request limiter last, so that its slot is
// taken just before the request leaves. If one refuses, those already
// acquired are told the request was not sent ([ErrNotSent]). Done reaches
// every limiter. With no limiters it admits everything.
func AllOf(limiters ...Limiter) Limiter {
	var ls []Limiter
	for _, l := range limiters {
		if l != nil {
			ls = append(ls, l)
		}
	}
	if len(ls) == 1 {
		return ls[0]
	}
	return allOf(ls)
}

type allOf []Limiter

func (a allOf) Acquire(ctx context.Context, cost Cost) (Permit, error) {
	ps := &allPermit{}
	for _, l := range a {
		p, err := l.Acquire(ctx, cost)
		if err != nil {
			ps.Done(Outcome{Err: ErrNotSent})
			return nil, err
		}
		ps.add(p)
	}
	return ps, nil
}

// allPermit holds the permits of one admission; the first few inline, so
// that the common pair costs one allocation.
type allPermit struct {
	n     int
	few   [3]Permit
	extra []Permit
}

func (ps *allPermit) add(p Permit) {
	if ps.n < len(ps.few) {
		ps.few[ps.n] = p
	} else {
		ps.extra = append(ps.extra, p)
	}
	ps.n++
}

func (ps *allPermit) Done(o Outcome) {
	for _, p := range ps.few[:min(ps.n, len(ps.few))] {
		p.Done(o)
	}
	for _, p := range ps.extra {
		p.Done(o)
	}
}
