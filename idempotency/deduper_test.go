package idempotency_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/platform/telegent-facade/idempotency"
)

// waitingStore tells, on waiting, each time a Claim finds the key pending:
// that caller is a repeat about to wait for the first call's outcome.
type waitingStore struct {
	idempotency.Store
	waiting chan struct{}
}

func (s waitingStore) Claim(ctx context.Context, key idempotency.Key, rec idempotency.Record, ttl time.Duration) (idempotency.Record, bool, error) {
	existing, claimed, err := s.Store.Claim(ctx, key, rec, ttl)
	if err == nil && !claimed && existing.State == idempotency.Pending {
		s.waiting <- struct{}{}
	}
	return existing, claimed, err
}

func TestDeduperRunsOnceForConcurrentRepeats(t *testing.T) {
	for name, store := range stores(t) {
		t.Run(name, func(t *testing.T) {
			const n = 16
			ws := waitingStore{Store: store, waiting: make(chan struct{}, n)}
			d := idempotency.New(idempotency.Config{Store: ws})
			var calls atomic.Int32
			release := make(chan struct{})
			call := func(context.Context) idempotency.Result {
				calls.Add(1)
				<-release // hold the first call until every repeat waits
				return idempotency.Result{Value: []byte("webhook WID-1"), Keep: true}
			}
			var wg sync.WaitGroup
			values := make([]string, n)
			replays := make([]bool, n)
			errs := make([]error, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					v, replayed, err := d.Do(context.Background(), key("req-1"), []byte("fp"), call)
					values[i], replays[i], errs[i] = string(v), replayed, err
				}()
			}
			// Every caller but the first found the claim pending: only then
			// may the first call finish.
			for range n - 1 {
				<-ws.waiting
			}
			close(release)
			wg.Wait()
			if got := calls.Load(); got != 1 {
				t.Fatalf("call ran %d times, want 1", got)
			}
			firsts := 0
			for i := range n {
				if errs[i] != nil || values[i] != "webhook WID-1" {
					t.Fatalf("caller %d got %q, %v", i, values[i], errs[i])
				}
				if !replays[i] {
					firsts++
				}
			}
			if firsts != 1 {
				t.Fatalf("%d callers were answered as the first call, want 1", firsts)
			}
		})
	}
}

func TestDeduperOutcomes(t *testing.T) {
	ctx := context.Background()
	for name, store := range stores(t) {
		t.Run(name, func(t *testing.T) {
			var seen []string
			var mu sync.Mutex
			d := idempotency.New(idempotency.Config{Store: store, Observe: func(o string) {
				mu.Lock()
				defer mu.Unlock()
				seen = append(seen, o)
			}})
			calls := 0
			run := func(id, fp string, res idempotency.Result) ([]byte, bool, error) {
				return d.Do(ctx, key(id), []byte(fp), func(context.Context) idempotency.Result {
					calls++
					return res
				})
			}
			kept := idempotency.Result{Value: []byte("first"), Keep: true}

			if v, replayed, err := run("a", "fp", kept); err != nil || replayed || string(v) != "first" {
				t.Fatalf("first call = %q, %v, %v", v, replayed, err)
			}
			if v, replayed, err := run("a", "fp", idempotency.Result{Value: []byte("second"), Keep: true}); err != nil || !replayed || string(v) != "first" {
				t.Fatalf("repeat = %q, %v, %v; want the first call's outcome replayed", v, replayed, err)
			}
			if _, _, err := run("a", "other-fp", kept); !errors.Is(err, idempotency.ErrReused) {
				t.Fatalf("repeat with another request: err = %v, want ErrReused", err)
			}
			if calls != 1 {
				t.Fatalf("call ran %d times, want 1", calls)
			}

			// An outcome that is not kept frees the key for the next try.
			if v, _, err := run("b", "fp", idempotency.Result{Value: []byte("try again"), Keep: false}); err != nil || string(v) != "try again" {
				t.Fatalf("unkept call = %q, %v", v, err)
			}
			if v, replayed, err := run("b", "fp", kept); err != nil || replayed || string(v) != "first" {
				t.Fatalf("call after an unkept outcome = %q, %v, %v; want it carried out", v, replayed, err)
			}
			if calls != 3 {
				t.Fatalf("call ran %d times, want 3", calls)
			}
			mu.Lock()
			defer mu.Unlock()
			want := fmt.Sprint([]string{idempotency.OutcomeClaimed, idempotency.OutcomeReplayed, idempotency.OutcomeReused, idempotency.OutcomeClaimed, idempotency.OutcomeClaimed})
			if fmt.Sprint(seen) != want {
				t.Fatalf("observed %v, want %v", seen, want)
			}
		})
	}
}

func TestDeduperAbandonedClaimIsOutcomeUnknown(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	store := idempotency.NewMemoryStore(idempotency.MemoryConfig{Now: clock})
	// A claim whose owner died: pending, never completed.
	if _, ok, err := store.Claim(ctx, key("k"), idempotency.Record{State: idempotency.Pending, Fingerprint: []byte("fp"), Owner: "dead", Lease: now.Add(time.Minute)}, time.Hour); !ok || err != nil {
		t.Fatalf("Claim = %v, %v", ok, err)
	}
	d := idempotency.New(idempotency.Config{Store: store, Now: clock})
	now = now.Add(time.Minute)
	_, _, err := d.Do(ctx, key("k"), []byte("fp"), func(context.Context) idempotency.Result {
		t.Fatal("call ran under an abandoned claim")
		return idempotency.Result{}
	})
	if !errors.Is(err, idempotency.ErrAbandoned) {
		t.Fatalf("err = %v, want ErrAbandoned", err)
	}
}

func TestDeduperWaitEndsWithCallerContext(t *testing.T) {
	store := idempotency.NewMemoryStore(idempotency.MemoryConfig{})
	if _, ok, err := store.Claim(context.Background(), key("k"), idempotency.Record{State: idempotency.Pending, Fingerprint: []byte("fp"), Owner: "other", Lease: time.Now().Add(time.Hour)}, time.Hour); !ok || err != nil {
		t.Fatalf("Claim = %v, %v", ok, err)
	}
	d := idempotency.New(idempotency.Config{Store: store})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, _, err := d.Do(ctx, key("k"), []byte("fp"), func(context.Context) idempotency.Result {
			t.Error("call ran while another call held the claim")
			return idempotency.Result{}
		})
		errc <- err
	}()
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// failingStore fails every operation.
type failingStore struct{ idempotency.MemoryStore }

func (*failingStore) Claim(context.Context, idempotency.Key, idempotency.Record, time.Duration) (idempotency.Record, bool, error) {
	return idempotency.Record{}, false, errors.New("connection refused")
}

func TestDeduperStoreDownRunsNothing(t *testing.T) {
	d := idempotency.New(idempotency.Config{Store: &failingStore{}})
	_, _, err := d.Do(context.Background(), key("k"), []byte("fp"), func(context.Context) idempotency.Result {
		t.Fatal("call ran without a claim")
		return idempotency.Result{}
	})
	var se *idempotency.StoreError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a *StoreError", err)
	}
}

func TestFingerprinter(t *testing.T) {
	t.Parallel()
	a := idempotency.NewFingerprinter([]byte("secret-a"))
	b := idempotency.NewFingerprinter([]byte("secret-b"))
	if again := idempotency.NewFingerprinter([]byte("secret-a")); string(a.Sum([]byte("req"))) != string(again.Sum([]byte("req"))) {
		t.Fatal("same key and input gave different sums")
	}
	if string(a.Sum([]byte("req"))) == string(a.Sum([]byte("req2"))) {
		t.Fatal("different inputs gave the same sum")
	}
	if string(a.Sum([]byte("req"))) == string(b.Sum([]byte("req"))) {
		t.Fatal("different keys gave the same sum")
	}
}
