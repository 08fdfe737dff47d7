package resilience

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/failsafe-go/failsafe-go/adaptivelimiter"
	"go.uber.org/goleak"

	"github.com/platform/telegent-facade/telegent"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// errPanic makes fakeUpstream panic instead of answering.
var errPanic = errors.New("fake: panic")

// fakeUpstream is an Upstream with programmable results and a blocking mode.
type fakeUpstream struct {
	mu          sync.Mutex
	calls       int
	inFlight    int
	maxInFlight int
	results     []error // consumed one per call, then fallback
	fallback    error
	block       chan struct{} // when non-nil, calls wait until it is closed
	entered     chan struct{} // when non-nil, receives once per call on entry
}

// answer makes every following call return err (nil: a webhook).
func (f *fakeUpstream) answer(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.results, f.fallback = nil, err
}

// blockCalls makes following calls wait until the returned func is called.
func (f *fakeUpstream) blockCalls() (release func()) {
	ch := make(chan struct{})
	f.mu.Lock()
	f.block = ch
	f.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			f.mu.Lock()
			f.block = nil
			f.mu.Unlock()
			close(ch)
		})
	}
}

func (f *fakeUpstream) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func (f *fakeUpstream) CreateWebhook(ctx context.Context, req *telegent.CreateWebhookRequest) (*telegent.Webhook, error) {
	f.mu.Lock()
	f.calls++
	f.inFlight++
	f.maxInFlight = max(f.maxInFlight, f.inFlight)
	err := f.fallback
	if len(f.results) > 0 {
		err, f.results = f.results[0], f.results[1:]
	}
	block, entered := f.block, f.entered
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}()

	if entered != nil {
		entered <- struct{}{}
	}
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return nil, &telegent.Error{Kind: telegent.KindCanceled, Op: telegent.OpCreateWebhook, Err: ctx.Err()}
		}
	}
	if errors.Is(err, errPanic) {
		panic(err)
	}
	if err != nil {
		return nil, err
	}
	return &telegent.Webhook{WebhookId: "WID-0000001", AccountId: req.AccountId}, nil
}

// recorder is an Observer that remembers what it was told.
type recorder struct {
	mu       sync.Mutex
	changes  []string // "from>to"
	rejected []string
	onChange func(from, to State)
}

func (r *recorder) BreakerStateChanged(from, to State) {
	r.mu.Lock()
	r.changes = append(r.changes, from.String()+">"+to.String())
	hook := r.onChange
	r.mu.Unlock()
	if hook != nil {
		hook(from, to)
	}
}

func (r *recorder) Rejected(reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rejected = append(r.rejected, reason)
}

func (r *recorder) snapshot() (changes, rejected []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.changes...), append([]string(nil), r.rejected...)
}

// upstreamErr returns a fresh upstream error of kind k.
func upstreamErr(k telegent.Kind) *telegent.Error {
	e := &telegent.Error{Kind: k, Op: telegent.OpCreateWebhook}
	switch k {
	case telegent.KindUpstreamUnavailable:
		e.StatusCode = 503
	case telegent.KindBadRequest:
		e.StatusCode = 400
	case telegent.KindRateLimited:
		e.StatusCode = 429
	case telegent.KindTimeout:
		e.Err = context.DeadlineExceeded
	case telegent.KindCanceled:
		e.Err = context.Canceled
	}
	return e
}

var testReq = &telegent.CreateWebhookRequest{AccountId: "AID-0000001", WebhookUrl: "https://example.test/hook"}

// call makes one CreateWebhook call with a background context.
func call(g *Guard) (*telegent.Webhook, error) {
	return g.CreateWebhook(context.Background(), testReq)
}

// wantRejection checks that err is a *Rejection with the given reason and
// RetryAfter.
func wantRejection(t *testing.T, err error, reason string, retryAfter time.Duration) {
	t.Helper()
	r, ok := errors.AsType[*Rejection](err)
	if !ok {
		t.Fatalf("error = %v (%T), want *Rejection %s", err, err, reason)
	}
	if r.Reason != reason || r.RetryAfter != retryAfter {
		t.Fatalf("rejection = {%s %v}, want {%s %v}", r.Reason, r.RetryAfter, reason, retryAfter)
	}
}

// slotsFree reports whether n permits can be taken at once right now (so
// none leaked), giving them back unused.
func slotsFree(g *Guard, n int) bool {
	var permits []adaptivelimiter.Permit
	defer func() {
		for _, p := range permits {
			p.Drop()
		}
	}()
	for range n {
		p, ok := g.lim.TryAcquirePermit()
		if !ok {
			return false
		}
		permits = append(permits, p)
	}
	return g.lim.Inflight() == n
}

func wantState(t *testing.T, g *Guard, want State) {
	t.Helper()
	if got := g.State(); got != want {
		t.Fatalf("State() = %v, want %v", got, want)
	}
}

// The other calls behave as a create would: the guard treats every call to
// Telegent alike.

func (f *fakeUpstream) UpdateWebhook(ctx context.Context, req *telegent.UpdateWebhookRequest) (*telegent.Webhook, error) {
	return f.CreateWebhook(ctx, &req.CreateWebhookRequest)
}

func (f *fakeUpstream) DeleteWebhook(ctx context.Context, _, _ string) error {
	_, err := f.CreateWebhook(ctx, &telegent.CreateWebhookRequest{})
	return err
}

func (f *fakeUpstream) ListWebhooks(ctx context.Context, _ string) ([]*telegent.Webhook, error) {
	w, err := f.CreateWebhook(ctx, &telegent.CreateWebhookRequest{})
	if err != nil {
		return nil, err
	}
	return []*telegent.Webhook{w}, nil
}
