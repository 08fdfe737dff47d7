// Package ctxutil holds the one sleep that ends early when its context
// does, shared by every package that waits before trying again.
package ctxutil

import (
	"context"
	"time"
)

// Sleep waits d, or until ctx ends; then it returns ctx.Err().
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
