package mcpclient

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseLimiter builds a [Limiter] from its text form, the one flags and
// configuration files use:
//
//	token:RPS[:BURST]   a token bucket: RPS requests per second on average,
//	                    bursts of up to BURST (default: RPS rounded up)
//
// An empty string or "none" means no limit and returns nil.
func ParseLimiter(spec string) (Limiter, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" || spec == "none" {
		return nil, nil
	}
	kind, rest, _ := strings.Cut(spec, ":")
	switch kind {
	case "token":
		parts := strings.Split(rest, ":")
		if len(parts) > 2 {
			return nil, fmt.Errorf("mcpclient: limiter %q: want token:RPS[:BURST]", spec)
		}
		rps, err := strconv.ParseFloat(parts[0], 64)
		if err != nil || rps <= 0 {
			return nil, fmt.Errorf("mcpclient: limiter %q: the rate must be a positive number of requests per second", spec)
		}
		burst := int(rps + 0.999999)
		if len(parts) == 2 {
			burst, err = strconv.Atoi(parts[1])
			if err != nil || burst < 1 {
				return nil, fmt.Errorf("mcpclient: limiter %q: the burst must be a positive integer", spec)
			}
		}
		return NewTokenBucket(rps, burst), nil
	}
	return nil, fmt.Errorf("mcpclient: limiter %q: unknown kind %q (want token:RPS[:BURST])", spec, kind)
}
