package measure

import (
	"math/bits"
	"time"
)

// subBits sets the histogram's resolution: each power of two is split into
// 1<<subBits buckets, so a quantile is off by at most 1/32 (about 3%).
const subBits = 5

const numBuckets = 64 << subBits

// Histogram counts durations in log-linear buckets. Recording never
// allocates, which matters because the process's allocations are part of
// the measurement. The zero value is empty and ready; it is not safe for
// concurrent use (give each worker its own and [Histogram.Merge] them).
type Histogram struct {
	counts [numBuckets]uint64
	total  uint64
}

func bucketOf(ns uint64) int {
	if ns < 1<<subBits {
		return int(ns)
	}
	n := bits.Len64(ns) - 1 // position of the leading one
	sub := (ns >> (n - subBits)) & (1<<subBits - 1)
	return (n-subBits+1)<<subBits + int(sub)
}

// lowerBound is the smallest duration bucket b holds.
func lowerBound(b int) uint64 {
	if b < 1<<subBits {
		return uint64(b)
	}
	n := b>>subBits + subBits - 1
	sub := uint64(b & (1<<subBits - 1))
	return 1<<n | sub<<(n-subBits)
}

// Record adds one duration; negative durations count as zero.
func (h *Histogram) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(uint64(d))]++
	h.total++
}

// Count returns how many durations were recorded.
func (h *Histogram) Count() uint64 { return h.total }

// Merge adds o's counts to h.
func (h *Histogram) Merge(o *Histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.total += o.total
}

// Quantile returns the duration below which a fraction q (0 to 1) of the
// recorded durations fall, as the middle of its bucket; 0 when empty.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := uint64(q * float64(h.total))
	if rank >= h.total {
		rank = h.total - 1
	}
	var seen uint64
	for b, c := range h.counts {
		seen += c
		if seen > rank {
			lo, hi := lowerBound(b), lowerBound(b+1)
			return time.Duration(lo + (hi-lo)/2)
		}
	}
	return 0
}
