package loyalty

import (
	"context"
	"hash/fnv"
	"math/rand/v2"
	"time"
)

// Backoff between attempts of a write that lost a race: the n-th retry waits a random
// time in [0, min(backoffBase·2ⁿ⁻¹, backoffMax)), "full jitter", so that writers that
// collided once spread out instead of colliding again in step. With eight attempts the
// waits add up to at most about 0.2 s.
const (
	backoffBase = time.Millisecond
	backoffMax  = 64 * time.Millisecond
)

// backoff waits before attempt (1 for the first retry) of a command, or returns ctx's error
// as soon as ctx is done. The jitter comes from a source of its own, seeded by the command
// (its key, or the accounts it writes), the attempt and a number the service draws for
// every retry, so that no global random state is used and commands that collided draw
// different waits.
func (s *Service) backoff(ctx context.Context, attempt int, key string, keys []AccountKey) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ceiling := min(backoffBase<<min(attempt-1, 16), backoffMax)
	h := fnv.New64a()
	h.Write([]byte(key))
	for _, k := range keys {
		h.Write([]byte(k.String()))
	}
	rng := rand.New(rand.NewPCG(h.Sum64(), uint64(attempt)<<32^s.retries.Add(0x9e3779b97f4a7c15)))
	wait := time.Duration(rng.Int64N(int64(ceiling)) + 1)
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
