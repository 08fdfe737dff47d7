package ctxutil_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/platform/telegent-facade/internal/ctxutil"
)

func TestSleep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		if err := ctxutil.Sleep(t.Context(), time.Second); err != nil || time.Since(start) != time.Second {
			t.Errorf("Sleep = %v after %v, want nil after 1s", err, time.Since(start))
		}
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		start = time.Now()
		if err := ctxutil.Sleep(ctx, time.Hour); err != context.DeadlineExceeded || time.Since(start) != 100*time.Millisecond {
			t.Errorf("Sleep = %v after %v, want the deadline after 100ms", err, time.Since(start))
		}
	})
}
