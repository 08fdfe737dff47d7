package idempotency

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/platform/telegent-facade/internal/ctxutil"
)

// Defaults of Config.
const (
	DefaultTTL = 24 * time.Hour
	// DefaultLease is how long a pending claim is trusted when
	// Config.Lease is 0; it must exceed the longest call.
	DefaultLease = 2 * time.Minute
	// storeWriteTimeout bounds recording an outcome, which happens even
	// when the caller has gone away.
	storeWriteTimeout = 5 * time.Second
	minPoll           = 5 * time.Millisecond
	maxPoll           = 100 * time.Millisecond
)

// Outcomes reported to Config.Observe.
const (
	OutcomeClaimed   = "claimed"   // this call went ahead
	OutcomeReplayed  = "replayed"  // answered from a finished first call
	OutcomeReused    = "reused"    // the key came with a different request
	OutcomeAbandoned = "abandoned" // the first call never finished: outcome unknown
	OutcomeStoreDown = "store_error"
	// OutcomeBudgetExhausted: refused, the caller's records are all pending.
	OutcomeBudgetExhausted = "budget_exhausted"
)

// Errors of Do.
var (
	// ErrReused: the key was first used with a different request.
	ErrReused = errors.New("request id was already used with a different request")
	// ErrAbandoned: the first call with the key claimed it and never
	// recorded an outcome (its process stopped): whatever it did is unknown.
	ErrAbandoned = errors.New("the first call with this request id did not finish: its outcome is unknown")
)

// StoreError is a failure of the store itself: nothing was carried out.
type StoreError struct{ Err error }

func (e *StoreError) Error() string { return "idempotency store: " + e.Err.Error() }
func (e *StoreError) Unwrap() error { return e.Err }

// Result is the outcome a call reached.
type Result struct {
	// Value is the encoded outcome, replayed to repeats when kept.
	Value []byte
	// Keep records the outcome for repeats. A call that certainly changed
	// nothing (and may succeed if tried again) is not kept: its claim is
	// released and a repeat goes ahead.
	Keep bool
}

// Config configures a Deduper.
type Config struct {
	Store Store
	// TTL is how long a key is remembered; DefaultTTL when 0.
	TTL time.Duration
	// Lease is how long a pending claim is trusted before it is taken as
	// abandoned; DefaultLease when 0. It must exceed the longest call.
	Lease time.Duration
	// Now tells the time; time.Now when nil.
	Now func() time.Time
	// Observe, when set, is told the outcome of each Do.
	Observe func(outcome string)
	// Logger receives failures to record an outcome. Nil discards.
	Logger *slog.Logger
}

// Deduper runs each keyed call at most once within the TTL and answers
// repeats with the first call's outcome.
type Deduper struct {
	cfg Config
}

// New returns a Deduper on cfg.Store.
func New(cfg Config) *Deduper {
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Observe == nil {
		cfg.Observe = func(string) {}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Deduper{cfg: cfg}
}

// Store returns the deduper's store.
func (d *Deduper) Store() Store { return d.cfg.Store }

// Do runs call unless key was used before within the TTL. The first call
// with a key runs call and returns its value; a repeat with the same
// fingerprint returns the first call's kept value (replayed true), waiting
// for it while the first call runs, within ctx; a repeat with another
// fingerprint gets ErrReused. A first call that never finished gives
// ErrAbandoned; a caller over its budget gets ErrBudgetExhausted and a
// store failure a *StoreError, and call does not run.
func (d *Deduper) Do(ctx context.Context, key Key, fingerprint []byte, call func(context.Context) Result) (value []byte, replayed bool, err error) {
	owner, err := newOwner()
	if err != nil {
		return nil, false, err
	}
	poll := minPoll
	for {
		claim := Record{State: Pending, Fingerprint: fingerprint, Owner: owner, Lease: d.cfg.Now().Add(d.cfg.Lease)}
		existing, claimed, err := d.cfg.Store.Claim(ctx, key, claim, d.cfg.TTL)
		if errors.Is(err, ErrBudgetExhausted) {
			d.cfg.Observe(OutcomeBudgetExhausted)
			return nil, false, ErrBudgetExhausted
		}
		if err != nil {
			return nil, false, d.storeFailed(ctx, err)
		}
		if claimed {
			d.cfg.Observe(OutcomeClaimed)
			return d.runClaimed(ctx, key, claim, call), false, nil
		}
		// Someone else has the key: wait for its outcome.
		for {
			if !bytes.Equal(existing.Fingerprint, fingerprint) {
				d.cfg.Observe(OutcomeReused)
				return nil, false, ErrReused
			}
			if existing.State == Done {
				d.cfg.Observe(OutcomeReplayed)
				return existing.Value, true, nil
			}
			if !d.cfg.Now().Before(existing.Lease) {
				d.cfg.Observe(OutcomeAbandoned)
				return nil, false, ErrAbandoned
			}
			if err := ctxutil.Sleep(ctx, poll); err != nil {
				return nil, false, err
			}
			poll = min(2*poll, maxPoll)
			existing, err = d.cfg.Store.Get(ctx, key)
			if errors.Is(err, ErrNotFound) {
				break // released: this call may go ahead
			}
			if err != nil {
				return nil, false, d.storeFailed(ctx, err)
			}
		}
	}
}

// runClaimed runs call under a claim and records or releases its outcome.
// The call ends before its claim's lease does (a tenth of the lease
// earlier), so that a live call is never taken for an abandoned one. The
// outcome is recorded even if the caller has gone away meanwhile; if
// recording fails, the claim stays pending until its lease runs out, and
// repeats are told the outcome is unknown rather than carried out again.
func (d *Deduper) runClaimed(ctx context.Context, key Key, claim Record, call func(context.Context) Result) []byte {
	callCtx, cancelCall := context.WithDeadline(ctx, claim.Lease.Add(-d.cfg.Lease/10))
	res := call(callCtx)
	cancelCall()
	owner, fingerprint := claim.Owner, claim.Fingerprint
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeWriteTimeout)
	defer cancel()
	var err error
	if res.Keep {
		err = d.cfg.Store.Complete(wctx, key, owner, Record{State: Done, Fingerprint: fingerprint, Value: res.Value})
	} else {
		err = d.cfg.Store.Release(wctx, key, owner)
	}
	if err != nil {
		d.cfg.Observe(OutcomeStoreDown)
		d.cfg.Logger.LogAttrs(ctx, slog.LevelError, "could not record the outcome of a call with a request id; repeats will be answered outcome-unknown until the claim's lease ends",
			slog.Bool("keep", res.Keep), slog.Any("error", err))
	}
	return res.Value
}

func (d *Deduper) storeFailed(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	d.cfg.Observe(OutcomeStoreDown)
	return &StoreError{Err: err}
}

func newOwner() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("make claim owner: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// Fingerprinter hashes requests with a secret key, so that a store holds
// nothing from which a request's content (a password, say) could be
// recovered by guessing. Replicas that share a store must share the key.
type Fingerprinter struct {
	key    []byte
	logKey []byte
}

// NewFingerprinter returns a Fingerprinter whose keys are derived from secret.
func NewFingerprinter(secret []byte) *Fingerprinter {
	derive := func(label string) []byte {
		mac := hmac.New(sha256.New, secret)
		mac.Write([]byte(label))
		return mac.Sum(nil)
	}
	return &Fingerprinter{
		key:    derive("telegent-facade idempotency fingerprint v1"),
		logKey: derive("telegent-facade idempotency log v1"),
	}
}

// Sum returns the keyed hash of b.
func (f *Fingerprinter) Sum(b []byte) []byte {
	mac := hmac.New(sha256.New, f.key)
	mac.Write(b)
	return mac.Sum(nil)
}

// LogHash is the keyed hash of key that log lines carry instead of the
// request id: equal for a caller's retries with one id, and telling
// nothing of the id (its own key, so it matches no stored fingerprint).
func (f *Fingerprinter) LogHash(key Key) string {
	mac := hmac.New(sha256.New, f.logKey)
	var n [4]byte
	for _, p := range []string{key.Caller, key.ID} {
		binary.BigEndian.PutUint32(n[:], uint32(len(p)))
		mac.Write(n[:])
		mac.Write([]byte(p))
	}
	return hex.EncodeToString(mac.Sum(nil)[:12])
}
