package mcpclient

import (
	"math/rand/v2"
	"testing"
	"time"
)

// The schedule is exact: no window of length w ever holds more than the
// limit, admissions keep arrival order, and each is as early as that
// allows.
func TestSlidingWindowScheduleExact(t *testing.T) {
	const (
		limit = 5
		w     = 100 * time.Millisecond
	)
	rng := rand.New(rand.NewPCG(4, 2))
	for run := range 20 {
		sw := NewSlidingWindow(limit, w)
		type adm struct {
			at      time.Duration
			n       int
			arrival time.Duration
		}
		var got []adm
		now := time.Duration(0)
		for range 200 {
			now += time.Duration(rng.Int64N(int64(40 * time.Millisecond)))
			n := 1 + rng.IntN(3)
			at, drop := sw.schedule(now, n)
			sw.commit(at, n, drop)
			got = append(got, adm{at, n, now})
		}
		for i, a := range got {
			if a.at < a.arrival || (i > 0 && a.at < got[i-1].at) {
				t.Fatalf("run %d: admission %d at %v (arrival %v, previous %v), want in order and not before arrival", run, i, a.at, a.arrival, got[max(i-1, 0)].at)
			}
			sum := 0
			for _, b := range got[:i+1] {
				if b.at > a.at-w {
					sum += b.n
				}
			}
			if sum > limit {
				t.Fatalf("run %d: the window ending at admission %d (%v) holds %d, want at most %d", run, i, a.at, sum, limit)
			}
			// Admitted later than it arrived and than the previous one:
			// then an admission left the window exactly then.
			if i > 0 && a.at > a.arrival && a.at > got[i-1].at {
				tight := false
				for _, b := range got[:i] {
					if b.at+w == a.at {
						tight = true
					}
				}
				if !tight {
					t.Fatalf("run %d: admission %d waited until %v, when no earlier one left the window", run, i, a.at)
				}
			}
		}
	}
}

func TestSlidingWindowCancel(t *testing.T) {
	sw := NewSlidingWindow(2, time.Second)
	at, drop := sw.schedule(0, 1)
	first := sw.commit(at, 1, drop)
	at, drop = sw.schedule(0, 1)
	second := sw.commit(at, 1, drop)
	if at, _ := sw.schedule(0, 1); at != time.Second {
		t.Fatalf("third admission at %v, want 1s while two are in the window", at)
	}
	// The newest record goes entirely; an older one frees its place.
	sw.cancel(second)
	if at, _ := sw.schedule(0, 1); at != 0 {
		t.Errorf("after cancelling the newest, next admission at %v, want 0", at)
	}
	sw.cancel(first)
	if sw.sum != 0 {
		t.Errorf("after cancelling both, %d requests recorded, want 0", sw.sum)
	}
	sw.cancel(first) // twice is harmless
	if sw.sum != 0 {
		t.Errorf("after cancelling twice, %d requests recorded, want 0", sw.sum)
	}
}

// The ring grows past its first size and keeps order.
func TestSlidingWindowGrows(t *testing.T) {
	sw := NewSlidingWindow(1000, time.Hour)
	for i := range 500 {
		at, drop := sw.schedule(time.Duration(i), 1)
		sw.commit(at, 1, drop)
	}
	if sw.sum != 500 || sw.size != 500 {
		t.Fatalf("sum, size = %d, %d; want 500, 500", sw.sum, sw.size)
	}
	for i := range 500 {
		if e := sw.ring[(sw.head+i)%len(sw.ring)]; e.at != time.Duration(i) {
			t.Fatalf("record %d at %v, want %v", i, e.at, time.Duration(i))
		}
	}
}
