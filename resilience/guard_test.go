package resilience

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/platform/telegent-facade/failure"
	"github.com/platform/telegent-facade/telegent"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		err  error
		want outcome
	}{
		"success":                        {nil, healthy},
		"5xx":                            {upstreamErr(telegent.KindUpstreamUnavailable), upstreamFailed},
		"connection":                     {upstreamErr(telegent.KindConnection), upstreamFailed},
		"timeout":                        {upstreamErr(telegent.KindTimeout), upstreamFailed},
		"malformed response":             {upstreamErr(telegent.KindMalformedResponse), upstreamFailed},
		"bad request":                    {upstreamErr(telegent.KindBadRequest), healthy},
		"forbidden":                      {upstreamErr(telegent.KindForbidden), healthy},
		"not found":                      {upstreamErr(telegent.KindNotFound), healthy},
		"conflict":                       {upstreamErr(telegent.KindConflict), healthy},
		"rate limited":                   {upstreamErr(telegent.KindRateLimited), healthy},
		"unauthorized":                   {upstreamErr(telegent.KindUnauthorized), healthy},
		"credentials rejected":           {upstreamErr(telegent.KindCredentialsRejected), healthy},
		"canceled":                       {upstreamErr(telegent.KindCanceled), ignored},
		"kind unknown":                   {&telegent.Error{Kind: telegent.KindUnknown}, upstreamFailed},
		"wrapped 5xx":                    {fmt.Errorf("create: %w", upstreamErr(telegent.KindUpstreamUnavailable)), upstreamFailed},
		"wrapped 400":                    {fmt.Errorf("create: %w", upstreamErr(telegent.KindBadRequest)), healthy},
		"plain context.Canceled":         {context.Canceled, ignored},
		"plain context.DeadlineExceeded": {context.DeadlineExceeded, upstreamFailed},
		"other error":                    {errors.New("boom"), upstreamFailed},
		"rejection open":                 {&Rejection{Reason: RejectedOpen}, ignored},
		"rejection overloaded":           {&Rejection{Reason: RejectedOverloaded}, ignored},
		"wrapped rejection":              {fmt.Errorf("inner guard: %w", &Rejection{Reason: RejectedOpen}), ignored},
		// The guard's own wait for a slot timing out is not Telegent's fault.
		"guard wait timed out": {&guardError{upstreamErr(telegent.KindTimeout)}, ignored},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := classify(tc.err); got != tc.want {
				t.Errorf("classify(%v) = %d, want %d", tc.err, got, tc.want)
			}
		})
	}
}

// TestEveryKindClassified fails when telegent grows a Kind that the
// failure table (which classify reads) has no explicit row for.
func TestEveryKindClassified(t *testing.T) {
	t.Parallel()
	n := 0
	for k := telegent.KindUnknown + 1; !strings.HasPrefix(k.String(), "Kind("); k++ {
		n++
		if c, _ := failure.Classify(&telegent.Error{Kind: k}); c == failure.Internal {
			t.Errorf("telegent.%v (%d) has no row in the failure table", k, int(k))
		}
	}
	if n < 12 {
		t.Fatalf("enumerated only %d kinds", n)
	}
}

// TestEachKindThroughBreaker sends one answer of each kind through a guard
// that opens on the first failure.
func TestEachKindThroughBreaker(t *testing.T) {
	t.Parallel()
	opens := map[telegent.Kind]bool{
		telegent.KindUpstreamUnavailable: true,
		telegent.KindConnection:          true,
		telegent.KindTimeout:             true,
		telegent.KindMalformedResponse:   true,
		telegent.KindBadRequest:          false,
		telegent.KindForbidden:           false,
		telegent.KindNotFound:            false,
		telegent.KindConflict:            false,
		telegent.KindRateLimited:         false,
		telegent.KindUnauthorized:        false,
		telegent.KindCredentialsRejected: false,
		telegent.KindCanceled:            false,
	}
	for k, want := range opens {
		t.Run(k.String(), func(t *testing.T) {
			t.Parallel()
			f := &fakeUpstream{}
			g := New(f, Config{FailureThreshold: 1, MinRequests: 1})
			upErr := upstreamErr(k)
			f.answer(upErr)
			_, err := call(g)
			if err != upErr {
				t.Fatalf("error = %v, want the upstream's error unchanged", err)
			}
			wantOpen := StateClosed
			if want {
				wantOpen = StateOpen
			}
			wantState(t, g, wantOpen)
		})
	}
}

func TestOpensAfterConsecutiveFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeUpstream{}
		rec := &recorder{}
		g := New(f, Config{MaxConcurrent: 1, FailureThreshold: 3, OpenTimeout: 10 * time.Second, Observer: rec})
		fail := upstreamErr(telegent.KindUpstreamUnavailable)

		f.results = []error{fail, fail, nil, fail, fail}
		for range 5 {
			_, _ = call(g)
		}
		wantState(t, g, StateClosed) // the success restarted the count

		f.answer(fail)
		if _, err := call(g); err != fail {
			t.Fatalf("third failure: error = %v, want the upstream's", err)
		}
		wantState(t, g, StateOpen)

		sent := f.callCount()
		start := time.Now()
		for range 5 {
			w, err := call(g)
			if w != nil {
				t.Fatalf("rejected call returned a webhook")
			}
			wantRejection(t, err, RejectedOpen, 10*time.Second)
		}
		if waited := time.Since(start); waited != 0 {
			t.Errorf("rejections took %v of (virtual) time, want none", waited)
		}
		if got := f.callCount(); got != sent {
			t.Errorf("upstream calls = %d while open, want %d (none sent)", got, sent)
		}
		// Refused calls never took the only slot.
		if !slotsFree(g, 1) {
			t.Fatal("a refused call holds a concurrency slot")
		}

		time.Sleep(3500 * time.Millisecond)
		_, err := call(g)
		wantRejection(t, err, RejectedOpen, 7*time.Second) // 6.5s left, rounded up

		changes, rejected := rec.snapshot()
		if want := []string{"closed>open"}; !slices.Equal(changes, want) {
			t.Errorf("state changes = %q, want %q", changes, want)
		}
		if want := slices.Repeat([]string{RejectedOpen}, 6); !slices.Equal(rejected, want) {
			t.Errorf("rejections = %q, want %q", rejected, want)
		}
	})
}

func TestOpensOnFailureRatio(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeUpstream{}
		g := New(f, Config{FailureThreshold: 100, FailureRatio: 0.5, MinRequests: 10})
		fail := upstreamErr(telegent.KindConnection)
		f.results = []error{fail, nil, fail, nil, fail, nil, fail, nil, nil}
		for range 9 {
			_, _ = call(g)
		}
		wantState(t, g, StateClosed) // 4 of 9: too few calls, too few failures
		f.answer(fail)
		_, _ = call(g)
		wantState(t, g, StateOpen) // 5 of 10
	})
}

func TestFailuresAgeOutOfInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeUpstream{}
		g := New(f, Config{FailureThreshold: 3, Interval: 10 * time.Second})
		f.answer(upstreamErr(telegent.KindUpstreamUnavailable))
		_, _ = call(g)
		_, _ = call(g)
		time.Sleep(11 * time.Second)
		_, _ = call(g)
		wantState(t, g, StateClosed) // the first two left the window
		_, _ = call(g)
		_, _ = call(g)
		wantState(t, g, StateOpen)
	})
}

// TestWindowRolls: failures shortly before and after a multiple of Interval
// count together; a window that resets every Interval would forget them.
func TestWindowRolls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeUpstream{}
		g := New(f, Config{FailureThreshold: 3, Interval: 10 * time.Second})
		f.answer(upstreamErr(telegent.KindUpstreamUnavailable))
		time.Sleep(9 * time.Second)
		_, _ = call(g)
		_, _ = call(g)
		time.Sleep(2 * time.Second)
		_, _ = call(g)
		wantState(t, g, StateOpen)
	})
}

func TestHalfOpenProbe(t *testing.T) {
	t.Parallel()
	const openTimeout = 50 * time.Millisecond
	tests := map[string]struct {
		probe       error
		want        State
		wantChanges []string
	}{
		"success closes": {nil, StateClosed, []string{"closed>open", "open>half-open", "half-open>closed"}},
		// Telegent answering at all is proof it is back.
		"caller 4xx closes":  {upstreamErr(telegent.KindConflict), StateClosed, []string{"closed>open", "open>half-open", "half-open>closed"}},
		"5xx reopens":        {upstreamErr(telegent.KindUpstreamUnavailable), StateOpen, []string{"closed>open", "open>half-open", "half-open>open"}},
		"timeout reopens":    {upstreamErr(telegent.KindTimeout), StateOpen, []string{"closed>open", "open>half-open", "half-open>open"}},
		"cancel proves none": {upstreamErr(telegent.KindCanceled), StateHalfOpen, []string{"closed>open", "open>half-open"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				f := &fakeUpstream{}
				rec := &recorder{}
				g := New(f, Config{FailureThreshold: 1, OpenTimeout: openTimeout, Observer: rec})
				f.answer(upstreamErr(telegent.KindUpstreamUnavailable))
				_, _ = call(g)
				wantState(t, g, StateOpen)

				time.Sleep(openTimeout + time.Millisecond)
				wantState(t, g, StateHalfOpen)
				f.answer(tc.probe)
				if _, err := call(g); err != tc.probe {
					t.Fatalf("probe error = %v, want the upstream's %v", err, tc.probe)
				}
				wantState(t, g, tc.want)
				if changes, _ := rec.snapshot(); !slices.Equal(changes, tc.wantChanges) {
					t.Errorf("state changes = %q, want %q", changes, tc.wantChanges)
				}

				sent := f.callCount()
				f.answer(nil)
				_, err := call(g)
				switch tc.want {
				case StateOpen:
					wantRejection(t, err, RejectedOpen, time.Second)
					if f.callCount() != sent {
						t.Error("a call reached upstream after a failed probe")
					}
				case StateHalfOpen:
					// The canceled probe freed its slot: the next call probes.
					if err != nil {
						t.Fatalf("next probe: %v", err)
					}
					wantState(t, g, StateClosed)
				default:
					if err != nil {
						t.Fatalf("call after closing: %v", err)
					}
				}
			})
		})
	}
}

func TestHalfOpenLimitsProbes(t *testing.T) {
	t.Parallel()
	for _, probes := range []uint32{1, 2} {
		t.Run(fmt.Sprint(probes, " probes"), func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				f := &fakeUpstream{}
				rec := &recorder{}
				// Every slot is taken by a probe: a refused extra probe must
				// not wait for one.
				g := New(f, Config{MaxConcurrent: int(probes), FailureThreshold: 1, OpenTimeout: time.Second, HalfOpenMaxRequests: probes, Observer: rec})
				f.answer(upstreamErr(telegent.KindConnection))
				_, _ = call(g)
				time.Sleep(time.Second + time.Millisecond)

				f.answer(nil)
				release := f.blockCalls()
				var wg sync.WaitGroup
				errs := make([]error, probes)
				for i := range probes {
					wg.Go(func() { _, errs[i] = call(g) })
				}
				synctest.Wait() // every probe is blocked in the upstream
				if got := f.callCount(); got != 1+int(probes) {
					t.Fatalf("upstream calls = %d, want %d", got, 1+probes)
				}
				start := time.Now()
				_, err := call(g)
				wantRejection(t, err, RejectedOpen, time.Second)
				if waited := time.Since(start); waited != 0 {
					t.Errorf("refused extra probe waited %v", waited)
				}
				if got := f.callCount(); got != 1+int(probes) {
					t.Fatalf("upstream calls = %d after a refused extra probe, want %d", got, 1+probes)
				}
				release()
				wg.Wait()
				for i, err := range errs {
					if err != nil {
						t.Errorf("probe %d: %v", i, err)
					}
				}
				wantState(t, g, StateClosed)
				if _, rejected := rec.snapshot(); !slices.Equal(rejected, []string{RejectedOpen}) {
					t.Errorf("rejections = %q", rejected)
				}
			})
		})
	}
}

func TestHalfOpenNeedsEveryProbeToSucceed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeUpstream{}
		g := New(f, Config{FailureThreshold: 1, OpenTimeout: time.Second, HalfOpenMaxRequests: 2})
		f.answer(upstreamErr(telegent.KindUpstreamUnavailable))
		_, _ = call(g)
		time.Sleep(time.Second + time.Millisecond)
		f.answer(nil)
		_, _ = call(g)
		wantState(t, g, StateHalfOpen)
		_, _ = call(g)
		wantState(t, g, StateClosed)
	})
}

// TestCallerErrorsNeverOpen: a storm of answers that say nothing bad about
// Telegent, through a guard that would open on any single failure.
func TestCallerErrorsNeverOpen(t *testing.T) {
	t.Parallel()
	f := &fakeUpstream{}
	rec := &recorder{}
	g := New(f, Config{FailureThreshold: 1, FailureRatio: 0.01, MinRequests: 1, Observer: rec})
	kinds := []telegent.Kind{
		telegent.KindBadRequest, telegent.KindForbidden, telegent.KindNotFound, telegent.KindConflict,
		telegent.KindRateLimited, telegent.KindUnauthorized, telegent.KindCredentialsRejected, telegent.KindCanceled,
	}
	const n = 400
	for i := range n {
		upErr := upstreamErr(kinds[i%len(kinds)])
		f.answer(upErr)
		if _, err := call(g); err != upErr {
			t.Fatalf("call %d: error = %v, want the upstream's %v", i, err, upErr)
		}
	}
	wantState(t, g, StateClosed)
	if got := f.callCount(); got != n {
		t.Errorf("upstream calls = %d, want %d", got, n)
	}
	if changes, rejected := rec.snapshot(); len(changes)+len(rejected) != 0 {
		t.Errorf("observer saw changes %q and rejections %q", changes, rejected)
	}
}

func TestOverloaded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeUpstream{}
		rec := &recorder{}
		g := New(f, Config{MaxConcurrent: 2, AcquireTimeout: 250 * time.Millisecond, FailureThreshold: 1, Observer: rec})
		release := f.blockCalls()
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				if _, err := call(g); err != nil {
					t.Errorf("blocked call: %v", err)
				}
			})
		}
		synctest.Wait()
		if got := f.callCount(); got != 2 {
			t.Fatalf("upstream calls = %d, want 2 in flight", got)
		}

		start := time.Now()
		w, err := call(g)
		if w != nil {
			t.Fatal("overloaded call returned a webhook")
		}
		wantRejection(t, err, RejectedOverloaded, OverloadedRetryAfter)
		if waited := time.Since(start); waited != 250*time.Millisecond {
			t.Errorf("waited %v for a slot, want AcquireTimeout", waited)
		}
		if got := f.callCount(); got != 2 {
			t.Errorf("upstream calls = %d, want 2: the refused call was sent", got)
		}
		wantState(t, g, StateClosed) // a refusal is not an upstream failure

		release()
		wg.Wait()
		if _, err := call(g); err != nil {
			t.Fatalf("call after slots freed: %v", err)
		}
		if !slotsFree(g, 2) {
			t.Fatal("slots leaked")
		}
		if changes, rejected := rec.snapshot(); len(changes) != 0 || !slices.Equal(rejected, []string{RejectedOverloaded}) {
			t.Errorf("observer saw changes %q, rejections %q; want only one %s", changes, rejected, RejectedOverloaded)
		}
	})
}

func TestWaiterGetsFreedSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeUpstream{}
		g := New(f, Config{MaxConcurrent: 1, AcquireTimeout: 250 * time.Millisecond})
		release := f.blockCalls()
		var wg sync.WaitGroup
		wg.Go(func() { _, _ = call(g) })
		synctest.Wait()

		wg.Go(func() {
			time.Sleep(100 * time.Millisecond)
			release()
		})
		start := time.Now()
		if _, err := call(g); err != nil {
			t.Fatalf("waiting call: %v", err)
		}
		if waited := time.Since(start); waited != 100*time.Millisecond {
			t.Errorf("waited %v, want until the slot freed (100ms)", waited)
		}
		wg.Wait()
		if got := f.callCount(); got != 2 {
			t.Errorf("upstream calls = %d, want 2", got)
		}
	})
}

func TestCallerContextEndsWhileWaiting(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		ctx      func(context.Context) (context.Context, context.CancelFunc)
		wantKind telegent.Kind
		wantErr  error
		wantWait time.Duration
	}{
		"deadline shorter than AcquireTimeout": {
			ctx: func(parent context.Context) (context.Context, context.CancelFunc) {
				return context.WithTimeout(parent, 100*time.Millisecond)
			},
			wantKind: telegent.KindTimeout, wantErr: context.DeadlineExceeded, wantWait: 100 * time.Millisecond,
		},
		"canceled": {
			ctx: func(parent context.Context) (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(parent)
				time.AfterFunc(50*time.Millisecond, cancel)
				return ctx, cancel
			},
			wantKind: telegent.KindCanceled, wantErr: context.Canceled, wantWait: 50 * time.Millisecond,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				f := &fakeUpstream{}
				rec := &recorder{}
				g := New(f, Config{MaxConcurrent: 1, AcquireTimeout: 250 * time.Millisecond, FailureThreshold: 1, Observer: rec})
				release := f.blockCalls()
				var wg sync.WaitGroup
				wg.Go(func() { _, _ = call(g) })
				synctest.Wait()

				ctx, cancel := tc.ctx(t.Context())
				defer cancel()
				start := time.Now()
				_, err := g.CreateWebhook(ctx, testReq)
				waited := time.Since(start)
				release()
				wg.Wait()

				te, ok := errors.AsType[*telegent.Error](err)
				if !ok {
					t.Fatalf("error = %v (%T), want *telegent.Error", err, err)
				}
				if te.Kind != tc.wantKind || te.Op != telegent.OpCreateWebhook || te.OutcomeUnknown {
					t.Errorf("error = {Kind %v, Op %q, OutcomeUnknown %v}, want {%v, %q, false}", te.Kind, te.Op, te.OutcomeUnknown, tc.wantKind, telegent.OpCreateWebhook)
				}
				if !errors.Is(err, tc.wantErr) {
					t.Errorf("errors.Is(%v, %v) = false", err, tc.wantErr)
				}
				if waited != tc.wantWait {
					t.Errorf("waited %v, want %v", waited, tc.wantWait)
				}
				if got := f.callCount(); got != 1 {
					t.Errorf("upstream calls = %d, want 1: the waiting call was sent", got)
				}
				wantState(t, g, StateClosed)
				if _, rejected := rec.snapshot(); len(rejected) != 0 {
					t.Errorf("rejections = %q, want none: the caller gave up", rejected)
				}
			})
		})
	}
}

func TestContextAlreadyDone(t *testing.T) {
	t.Parallel()
	f := &fakeUpstream{}
	g := New(f, Config{FailureThreshold: 1})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := g.CreateWebhook(ctx, testReq)
	if k := telegent.KindOf(err); k != telegent.KindCanceled {
		t.Errorf("kind = %v, want canceled (error %v)", k, err)
	}
	if f.callCount() != 0 {
		t.Error("a call with a done context was sent")
	}
	wantState(t, g, StateClosed)
}

func TestPanicReleasesSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeUpstream{}
		g := New(f, Config{MaxConcurrent: 1, FailureThreshold: 2})
		f.answer(errPanic)
		func() {
			defer func() {
				if r := recover(); r != errPanic {
					t.Fatalf("recovered %v, want the upstream's panic", r)
				}
			}()
			_, _ = call(g)
		}()
		f.answer(nil)
		start := time.Now()
		if _, err := call(g); err != nil {
			t.Fatalf("call after panic: %v", err)
		}
		if waited := time.Since(start); waited != 0 {
			t.Errorf("waited %v for the slot the panicking call held", waited)
		}
	})
}

func TestObserverMayCallState(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeUpstream{}
		rec := &recorder{}
		g := New(f, Config{FailureThreshold: 1, OpenTimeout: time.Second, Observer: rec})
		var seen []State
		rec.onChange = func(_, _ State) { seen = append(seen, g.State()) }

		f.answer(upstreamErr(telegent.KindUpstreamUnavailable))
		_, _ = call(g)
		time.Sleep(2 * time.Second)
		f.answer(nil)
		_, _ = call(g)
		// Each change is reported before the call that caused it returns;
		// open>half-open before the probe is sent.
		if want := []State{StateOpen, StateHalfOpen, StateClosed}; !slices.Equal(seen, want) {
			t.Errorf("observer saw states %v, want %v", seen, want)
		}
		if changes, _ := rec.snapshot(); !slices.Equal(changes, []string{"closed>open", "open>half-open", "half-open>closed"}) {
			t.Errorf("state changes = %q", changes)
		}
	})
}

func TestLogsStateChanges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf bytes.Buffer
		f := &fakeUpstream{}
		g := New(f, Config{FailureThreshold: 1, OpenTimeout: 10 * time.Second, Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
		f.answer(upstreamErr(telegent.KindUpstreamUnavailable))
		_, _ = call(g)
		_, _ = call(g) // rejected: no log line

		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		if len(lines) != 1 {
			t.Fatalf("log lines = %q, want one", lines)
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"level": "WARN", "breaker": "telegent", "from": "closed", "to": "open", "open_for": float64(10 * time.Second)}
		for k, v := range want {
			if rec[k] != v {
				t.Errorf("log %s = %v, want %v", k, rec[k], v)
			}
		}
		if lf, _ := rec["last_failure"].(string); !strings.Contains(lf, "upstream unavailable (HTTP 503)") {
			t.Errorf("log last_failure = %q, want the failure that opened the breaker", lf)
		}
	})
}

// TestConcurrentUse runs many callers against a small limit in real time
// (for the race detector): the limit holds and nothing leaks.
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	const (
		limit   = 4
		callers = 32
		each    = 30
	)
	f := &fakeUpstream{}
	for i := range callers * each {
		var err error
		switch i % 3 {
		case 1:
			err = upstreamErr(telegent.KindConflict)
		case 2:
			err = upstreamErr(telegent.KindUpstreamUnavailable)
		}
		f.results = append(f.results, err)
	}
	g := New(f, Config{MaxConcurrent: limit, AcquireTimeout: time.Minute, FailureThreshold: math.MaxUint32, FailureRatio: 2})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				_ = g.State()
			}
		}
	})
	var callersWG sync.WaitGroup
	for range callers {
		callersWG.Go(func() {
			for range each {
				if _, err := call(g); err != nil && telegent.KindOf(err) == telegent.KindUnknown {
					t.Errorf("unexpected error: %v", err)
				}
			}
		})
	}
	callersWG.Wait()
	close(stop)
	wg.Wait()

	f.mu.Lock()
	calls, maxInFlight := f.calls, f.maxInFlight
	f.mu.Unlock()
	if calls != callers*each {
		t.Errorf("upstream calls = %d, want %d", calls, callers*each)
	}
	if maxInFlight > limit || maxInFlight == 0 {
		t.Errorf("max in flight = %d, want 1..%d", maxInFlight, limit)
	}
	if !slotsFree(g, limit) {
		t.Error("slots leaked")
	}
	wantState(t, g, StateClosed)
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	want := Config{
		MaxConcurrent: DefaultMaxConcurrent, MinConcurrent: DefaultMinConcurrent, InitialConcurrent: DefaultInitialConcurrent,
		AcquireTimeout:   DefaultAcquireTimeout,
		FailureThreshold: DefaultFailureThreshold, FailureRatio: DefaultFailureRatio, MinRequests: DefaultMinRequests,
		Interval: DefaultInterval, OpenTimeout: DefaultOpenTimeout, HalfOpenMaxRequests: DefaultHalfOpenMaxRequests,
	}
	tests := map[string]Config{
		"zero":     {},
		"negative": {MaxConcurrent: -1, MinConcurrent: -1, InitialConcurrent: -1, AcquireTimeout: -1, FailureRatio: -1, Interval: -1, OpenTimeout: -1},
		"NaN":      {FailureRatio: math.NaN()},
	}
	for name, cfg := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := cfg.withDefaults()
			if got.Observer == nil || got.Logger == nil {
				t.Error("nil Observer or Logger left in place")
			}
			got.Observer, got.Logger = nil, nil
			if got != want {
				t.Errorf("withDefaults() = %+v, want %+v", got, want)
			}
		})
	}
}

func TestRejectionError(t *testing.T) {
	t.Parallel()
	r := &Rejection{Reason: RejectedOpen, RetryAfter: 7 * time.Second}
	if got, want := r.Error(), "resilience: call to Telegent not sent: circuit_open; retry after 7s"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestStateString(t *testing.T) {
	t.Parallel()
	for s, want := range map[State]string{StateClosed: "closed", StateHalfOpen: "half-open", StateOpen: "open", State(7): "State(7)"} {
		if got := s.String(); got != want {
			t.Errorf("State(%d).String() = %q, want %q", int(s), got, want)
		}
	}
}

// TestAnyFailureRatioIsSafe: failsafe-go's breaker panics on a failure rate
// outside [0,1]; every ratio the setting may hold is mapped into it (above
// 1: the rule is off; zero, negative, NaN: the default).
func TestAnyFailureRatioIsSafe(t *testing.T) {
	t.Parallel()
	for _, ratio := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), -1, 0, 1, 1.5, 2} {
		t.Run(fmt.Sprint(ratio), func(t *testing.T) {
			t.Parallel()
			f := &fakeUpstream{}
			g := New(f, Config{FailureThreshold: 1000, FailureRatio: ratio, MinRequests: 2})
			f.answer(upstreamErr(telegent.KindConnection))
			_, _ = call(g)
			_, _ = call(g)
			want := StateOpen // two failures of two
			if ratio > 1 {
				want = StateClosed
			}
			wantState(t, g, want)
		})
	}
}

// TestCanceledProbeFreesOnlyItsSlot: of two probes, one canceled gives its
// slot back while the other runs: one more probe is let through, not two,
// and the two that run close the breaker.
func TestCanceledProbeFreesOnlyItsSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeUpstream{}
		rec := &recorder{}
		g := New(f, Config{FailureThreshold: 1, OpenTimeout: time.Second, HalfOpenMaxRequests: 2, Observer: rec})
		f.answer(upstreamErr(telegent.KindUpstreamUnavailable))
		_, _ = call(g)
		time.Sleep(time.Second + time.Millisecond)

		f.answer(nil)
		release := f.blockCalls()
		var wg sync.WaitGroup
		errs := make([]error, 3)
		wg.Go(func() { _, errs[0] = call(g) })
		ctx, cancel := context.WithCancel(t.Context())
		wg.Go(func() { _, errs[1] = g.CreateWebhook(ctx, testReq) })
		synctest.Wait()
		_, err := call(g)
		wantRejection(t, err, RejectedOpen, time.Second)

		cancel()
		synctest.Wait()
		wantState(t, g, StateHalfOpen)
		wg.Go(func() { _, errs[2] = call(g) })
		synctest.Wait()
		if got := f.callCount(); got != 4 {
			t.Fatalf("upstream calls = %d, want 4 (the failure, two probes, one in the freed slot)", got)
		}
		_, err = call(g)
		wantRejection(t, err, RejectedOpen, time.Second)

		release()
		wg.Wait()
		if errs[0] != nil || errs[2] != nil || telegent.KindOf(errs[1]) != telegent.KindCanceled {
			t.Fatalf("probe errors = %v", errs)
		}
		wantState(t, g, StateClosed)
		if changes, _ := rec.snapshot(); !slices.Equal(changes, []string{"closed>open", "open>half-open", "half-open>closed"}) {
			t.Errorf("state changes = %q", changes)
		}
	})
}

// Every call to Telegent goes through the guard: failures of lists, updates
// and deletes open the breaker as creates' do, and an open breaker refuses
// each of them without calling Telegent.
func TestEveryCallIsGuarded(t *testing.T) {
	t.Parallel()
	f := &fakeUpstream{}
	g := New(f, Config{FailureThreshold: 3, MinRequests: 1})
	f.answer(upstreamErr(telegent.KindUpstreamUnavailable))
	ctx := t.Context()
	_, _ = g.ListWebhooks(ctx, "AID-1")
	_ = g.DeleteWebhook(ctx, "AID-1", "WID-1")
	_, _ = g.UpdateWebhook(ctx, &telegent.UpdateWebhookRequest{WebhookId: "WID-1"})
	wantState(t, g, StateOpen)
	before := f.callCount()
	calls := map[string]func() error{
		"create": func() error { _, err := g.CreateWebhook(ctx, &telegent.CreateWebhookRequest{}); return err },
		"update": func() error { _, err := g.UpdateWebhook(ctx, &telegent.UpdateWebhookRequest{}); return err },
		"delete": func() error { return g.DeleteWebhook(ctx, "AID-1", "WID-1") },
		"list":   func() error { _, err := g.ListWebhooks(ctx, "AID-1"); return err },
	}
	for name, c := range calls {
		if r, ok := errors.AsType[*Rejection](c()); !ok || r.Reason != RejectedOpen {
			t.Errorf("%s with the breaker open: error is not a RejectedOpen rejection", name)
		}
	}
	if n := f.callCount(); n != before {
		t.Errorf("Telegent called %d times with the breaker open, want 0", n-before)
	}
}
