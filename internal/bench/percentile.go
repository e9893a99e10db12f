package bench

import (
	"math"
	"slices"
	"time"
)

// Percentile returns the p-th percentile (0 ≤ p ≤ 100) of sorted, which
// must be in ascending order: the smallest value that at least p% of the
// values do not exceed (the nearest-rank definition). The result is always
// one of the values, so "p99 = 1.2s" means 99% of requests took 1.2s or
// less and at least one took exactly that. p ≤ 0 gives the minimum, p ≥ 100
// the maximum, and an empty slice 0.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	switch {
	case n == 0:
		return 0
	case p <= 0 || math.IsNaN(p):
		return sorted[0]
	case p >= 100:
		return sorted[n-1]
	}
	// p·n is exact for whole p; the tolerance absorbs the rounding of
	// fractions such as 99.9, which would otherwise push an exact rank up.
	rank := int(math.Ceil(p*float64(n)/100 - 1e-9))
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}

// Summary describes a set of durations. The zero value describes none.
type Summary struct {
	Count                        int
	Mean                         time.Duration
	Min, P50, P90, P95, P99, Max time.Duration
}

// Summarize sorts ds in place and summarises it.
func Summarize(ds []time.Duration) Summary {
	if len(ds) == 0 {
		return Summary{}
	}
	slices.Sort(ds)
	// Summed in float64: a million latencies of minutes overflow no
	// int64, but the headroom costs nothing.
	var sum float64
	for _, d := range ds {
		sum += float64(d)
	}
	return Summary{
		Count: len(ds),
		Mean:  time.Duration(sum / float64(len(ds))),
		Min:   ds[0],
		P50:   Percentile(ds, 50),
		P90:   Percentile(ds, 90),
		P95:   Percentile(ds, 95),
		P99:   Percentile(ds, 99),
		Max:   ds[len(ds)-1],
	}
}
