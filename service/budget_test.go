package service_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/platform/telegent-facade/auth"
	"github.com/platform/telegent-facade/failure"
	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/idempotency"
	"github.com/platform/telegent-facade/internal/testredis"
	"github.com/platform/telegent-facade/service"
	"github.com/platform/telegent-facade/telegent"
)

// maxBytesPerRecord is the bound SECURITY.md states for one remembered
// request id in the memory store, its answer at the largest the request's
// limits allow included.
const maxBytesPerRecord = 2048

// gatedUpstream answers creates at once, except those for gatedAccount,
// which wait until gate is closed. It counts creates by webhook URL.
type gatedUpstream struct {
	gate     chan struct{}
	inFlight atomic.Int64
	mu       sync.Mutex
	byURL    map[string]int
	total    int
}

const gatedAccount = "AID-GATED"

func newGatedUpstream() *gatedUpstream {
	return &gatedUpstream{gate: make(chan struct{}), byURL: map[string]int{}}
}

// ListWebhooks answers an empty list: a create with a request_id lists
// the account's webhooks first.
func (u *gatedUpstream) ListWebhooks(context.Context, string) ([]*telegent.Webhook, error) {
	return nil, nil
}

func (u *gatedUpstream) UpdateWebhook(context.Context, *telegent.UpdateWebhookRequest) (*telegent.Webhook, error) {
	return nil, errors.New("gatedUpstream: update not supported")
}

func (u *gatedUpstream) DeleteWebhook(context.Context, string, string) error {
	return errors.New("gatedUpstream: delete not supported")
}

func (u *gatedUpstream) CreateWebhook(ctx context.Context, req *telegent.CreateWebhookRequest) (*telegent.Webhook, error) {
	if req.AccountId == gatedAccount {
		u.inFlight.Add(1)
		defer u.inFlight.Add(-1)
		select {
		case <-u.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	u.mu.Lock()
	u.byURL[req.WebhookUrl]++
	u.total++
	n := u.total
	u.mu.Unlock()
	return &telegent.Webhook{WebhookId: fmt.Sprintf("WID-%d", n), AccountId: req.AccountId, WebhookUrl: req.WebhookUrl,
		Method: req.Method, DataFormat: req.DataFormat, AuthenticationType: req.AuthenticationType,
		AuthenticationUsername: req.AuthenticationUsername, SubscribedEvents: req.SubscribedEvents, Active: ptr(true)}, nil
}

func (u *gatedUpstream) creates(url string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.byURL[url]
}

// largestRequest is a create whose answer is as large as the request's
// limits allow (255-character URL and username, 100-character account id).
func largestRequest(id string) *webhookv1.CreateWebhookRequest {
	r := idemRequest(id)
	r.AccountId = "AID-" + strings.Repeat("a", 96)
	r.WebhookUrl = "https://h.example/" + strings.Repeat("p", 255-len("https://h.example/"))
	r.AuthenticationUsername = strings.Repeat("u", 255)
	r.SubscribedEvents = []webhookv1.WebhookEvent{
		webhookv1.WebhookEvent_WEBHOOK_EVENT_ORDER_UPDATE, webhookv1.WebhookEvent_WEBHOOK_EVENT_CALL_RINGING,
	}
	return r
}

func callerCtx(name string) context.Context {
	return auth.WithIdentity(context.Background(), auth.Identity{Caller: name, Method: auth.MethodToken})
}

func redisStoreForTest(t *testing.T, limit int) (*idempotency.RedisStore, *testredis.Server) {
	t.Helper()
	srv := testredis.Start(t)
	rs, err := idempotency.NewRedisStore(idempotency.RedisConfig{URL: srv.URL(), Prefix: "budget:", Secret: []byte("test secret"), CallerLimit: limit})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rs.Close() })
	return rs, srv
}

// callerB runs caller B's traffic until stop is closed: up to maxFresh
// creates with fresh ids (B's own budget would forget its first id
// beyond that), which must succeed, and repeats of its first id, which
// must replay. It returns the first id's URL and a wait for the number of
// fresh creates made.
// B acts once per tick, so that it runs throughout A's traffic without
// taking A's share of the machine.
func callerB(t *testing.T, svc *service.Service, maxFresh int, tick, stop <-chan struct{}) (firstURL string, wait func() int) {
	t.Helper()
	ctx := callerCtx("b")
	first := idemRequest(uuid.NewString())
	first.WebhookUrl = "https://h.example/b-first"
	want, err := svc.CreateWebhook(ctx, first)
	if err != nil {
		t.Fatalf("caller B's first create: %v", err)
	}
	var n int
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tick:
			}
			if n < maxFresh {
				fresh := idemRequest(uuid.NewString())
				fresh.WebhookUrl = fmt.Sprintf("https://h.example/b-%d", i)
				if _, err := svc.CreateWebhook(ctx, fresh); err != nil {
					t.Errorf("caller B's fresh create %d: %v", i, err)
					return
				}
				n++
			}
			again, err := svc.CreateWebhook(ctx, first)
			if err != nil || again.GetWebhook().GetWebhookId() != want.GetWebhook().GetWebhookId() {
				t.Errorf("caller B's replay = %v, %v; want webhook %s", again.GetWebhook().GetWebhookId(), err, want.GetWebhook().GetWebhookId())
				return
			}
		}
	}()
	return first.WebhookUrl, func() int { <-done; return n }
}

// TestRequestIDFloodByOneCaller: caller A sends distinct request_ids as
// fast as it can, far beyond its budget. Its calls finish, so its oldest
// records are forgotten to make room: A is never refused, the store holds
// at most the budget of A's records, and caller B, throughout, creates with
// fresh ids and has its first id replayed. The memory store runs the
// issue's 100,100 ids on the default 10,000 budget and measures the bytes
// one remembered id takes; Redis runs 2,000 ids on a budget of 100.
func TestRequestIDFloodByOneCaller(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		store := idempotency.NewMemoryStore(idempotency.MemoryConfig{})
		floodByOneCaller(t, store, 100_100, idempotency.DefaultCallerLimit, store.Len)
	})
	t.Run("redis", func(t *testing.T) {
		store, srv := redisStoreForTest(t, 100)
		floodByOneCaller(t, store, 2_000, 100, func() int { return redisRecords(t, srv) })
	})
}

func floodByOneCaller(t *testing.T, store idempotency.Store, ids, limit int, held func() int) {
	u := newGatedUpstream()
	close(u.gate) // nothing waits here
	svc := service.New(u, nil, service.WithIdempotency(idempotency.New(idempotency.Config{Store: store}), idempotency.NewFingerprinter([]byte("test secret"))))

	stop, tick := make(chan struct{}), make(chan struct{}, 1)
	firstB, waitB := callerB(t, svc, limit-1, tick, stop)
	ctxA := callerCtx("a")
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 2 {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(ids); i = next.Add(1) {
				if i%10 == 0 {
					select {
					case tick <- struct{}{}:
					default:
					}
				}
				if _, err := svc.CreateWebhook(ctxA, idemRequest(uuid.NewString())); err != nil {
					t.Errorf("caller A: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	bCreates := waitB()
	if t.Failed() {
		return
	}
	if n := u.creates(firstB); n != 1 {
		t.Fatalf("caller B's first id made %d creates, want 1", n)
	}
	// A's records are at most its budget; B has its own.
	if n := held(); n > limit+bCreates+1 {
		t.Fatalf("the store holds %d records after %d of A's ids and %d of B's; want at most %d", n, ids, bCreates+1, limit+bCreates+1)
	}
	t.Logf("caller A: %d ids; caller B: %d fresh creates and as many replays; store holds %d records", ids, bCreates, held())
}

// redisRecords counts the record keys in Redis (every key but the two
// sorted sets per caller).
func redisRecords(t *testing.T, srv *testredis.Server) int {
	t.Helper()
	keys := srv.Keys(t)
	n := 0
	for _, k := range keys {
		if strings.Contains(k, ":r:") {
			n++
		}
	}
	return n
}

// TestRequestIDBudgetRefusesOnlyTheCaller: caller A's calls hang at
// Telegent until A has its whole budget in flight; then every new id of
// A's is refused RESOURCE_EXHAUSTED REQUEST_ID_BUDGET_EXHAUSTED with a
// RetryInfo, and nothing of it reaches Telegent, while caller B's fresh
// creates succeed and its first id replays. Once A's calls finish, A is
// served again.
func TestRequestIDBudgetRefusesOnlyTheCaller(t *testing.T) {
	const limit = 50
	t.Run("memory", func(t *testing.T) {
		budgetRefusesOnlyTheCaller(t, idempotency.NewMemoryStore(idempotency.MemoryConfig{CallerLimit: limit}), limit)
	})
	t.Run("redis", func(t *testing.T) {
		store, _ := redisStoreForTest(t, limit)
		budgetRefusesOnlyTheCaller(t, store, limit)
	})
}

func budgetRefusesOnlyTheCaller(t *testing.T, store idempotency.Store, limit int) {
	u := newGatedUpstream()
	svc := service.New(u, nil, service.WithIdempotency(idempotency.New(idempotency.Config{Store: store}), idempotency.NewFingerprinter([]byte("test secret"))))
	ctxA := callerCtx("a")
	gated := func(id string) *webhookv1.CreateWebhookRequest {
		r := idemRequest(id)
		r.AccountId = gatedAccount
		r.WebhookUrl = "https://h.example/a/" + id
		return r
	}
	var hung sync.WaitGroup
	for range limit {
		hung.Go(func() {
			if _, err := svc.CreateWebhook(ctxA, gated(uuid.NewString())); err != nil {
				t.Errorf("caller A's hanging call: %v", err)
			}
		})
	}
	deadline := time.Now().Add(time.Minute)
	for u.inFlight.Load() < int64(limit) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of A's calls in flight, want %d", u.inFlight.Load(), limit)
		}
		runtime.Gosched()
	}

	stop, tick := make(chan struct{}), make(chan struct{}, 1)
	firstB, waitB := callerB(t, svc, limit-1, tick, stop)
	for i := range 200 {
		tick <- struct{}{}
		r := gated(uuid.NewString())
		_, err := svc.CreateWebhook(ctxA, r)
		st := status.Convert(err)
		var info *errdetails.ErrorInfo
		var retry *errdetails.RetryInfo
		for _, d := range st.Details() {
			switch d := d.(type) {
			case *errdetails.ErrorInfo:
				info = d
			case *errdetails.RetryInfo:
				retry = d
			}
		}
		if st.Code() != codes.ResourceExhausted || info.GetReason() != failure.ReasonRequestIDBudgetExhausted || retry.GetRetryDelay().AsDuration() <= 0 {
			t.Fatalf("caller A's call %d over its budget = %v (details %v); want RESOURCE_EXHAUSTED %s with a RetryInfo",
				i, err, st.Details(), failure.ReasonRequestIDBudgetExhausted)
		}
		if n := u.creates(r.WebhookUrl); n != 0 {
			t.Fatalf("a refused call reached Telegent %d times", n)
		}
	}
	close(stop)
	bCreates := waitB()
	if bCreates == 0 || u.creates(firstB) != 1 {
		t.Fatalf("caller B made %d fresh creates and %d creates for its first id; want some and 1", bCreates, u.creates(firstB))
	}

	close(u.gate)
	hung.Wait()
	if _, err := svc.CreateWebhook(ctxA, gated(uuid.NewString())); err != nil {
		t.Fatalf("caller A once its calls finished: %v", err)
	}
}

// TestRequestIDBudgetDefault: with the default budget, the 10,001st
// request id a caller has in flight is refused, and only for that caller.
func TestRequestIDBudgetDefault(t *testing.T) {
	ctx := context.Background()
	store := idempotency.NewMemoryStore(idempotency.MemoryConfig{})
	claim := idempotency.Record{State: idempotency.Pending, Owner: "o", Lease: time.Now().Add(time.Hour)}
	for i := range 10_000 {
		if _, ok, err := store.Claim(ctx, idempotency.Key{Caller: "a", ID: fmt.Sprint(i)}, claim, time.Hour); !ok || err != nil {
			t.Fatalf("claim %d = %v, %v", i, ok, err)
		}
	}
	if _, _, err := store.Claim(ctx, idempotency.Key{Caller: "a", ID: "10000"}, claim, time.Hour); !errors.Is(err, idempotency.ErrBudgetExhausted) {
		t.Fatalf("10,001st claim in flight: %v, want ErrBudgetExhausted", err)
	}
	if _, ok, err := store.Claim(ctx, idempotency.Key{Caller: "b", ID: "0"}, claim, time.Hour); !ok || err != nil {
		t.Fatalf("another caller's claim = %v, %v", ok, err)
	}
}

// TestRequestIDMemoryPerRecord measures the heap one remembered request id
// takes in the memory store, with the largest answer the request's limits
// allow, over 10,000 records, and checks it against the bound SECURITY.md
// states.
func TestRequestIDMemoryPerRecord(t *testing.T) {
	u := newGatedUpstream()
	close(u.gate)
	store := idempotency.NewMemoryStore(idempotency.MemoryConfig{})
	svc := service.New(u, nil, service.WithIdempotency(idempotency.New(idempotency.Config{Store: store}), idempotency.NewFingerprinter([]byte("test secret"))))
	ctx := callerCtx("a")
	const n = 10_000
	ids := make([]string, n)
	for i := range ids {
		ids[i] = uuid.NewString()
	}
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	for _, id := range ids {
		r := largestRequest(id)
		if _, err := svc.CreateWebhook(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	after := heap()
	runtime.KeepAlive(ids)
	if store.Len() != n {
		t.Fatalf("store holds %d records, want %d", store.Len(), n)
	}
	per := float64(after-before) / n
	t.Logf("memory store: %.0f bytes per remembered request id (largest answer), %d records", per, n)
	if per > maxBytesPerRecord {
		t.Fatalf("%.0f bytes per record, over the stated bound of %d", per, maxBytesPerRecord)
	}
}

// TestRequestIDComparedInCanonicalForm: a request_id repeated in upper
// case is the same id: it replays, one create.
func TestRequestIDComparedInCanonicalForm(t *testing.T) {
	t.Parallel()
	u := &countingUpstream{}
	svc := idempotentService(u)
	first, err := svc.CreateWebhook(context.Background(), idemRequest(reqID))
	if err != nil {
		t.Fatal(err)
	}
	again, err := svc.CreateWebhook(context.Background(), idemRequest(strings.ToUpper(reqID)))
	if err != nil || again.GetWebhook().GetWebhookId() != first.GetWebhook().GetWebhookId() || u.count() != 1 {
		t.Fatalf("upper-case repeat = %v, %v after %d creates; want webhook %s and 1 create",
			again.GetWebhook().GetWebhookId(), err, u.count(), first.GetWebhook().GetWebhookId())
	}
}
