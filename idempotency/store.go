// Package idempotency remembers the outcome of calls that carry a request
// id, so that a repeated call is answered from the first call's outcome
// instead of being carried out a second time.
//
// A [Store] holds one [Record] per key: first a pending claim, taken
// atomically by the one call that goes ahead, then the outcome that call
// reached. The [Deduper] drives a store: it claims, runs the call, records
// or releases, and lets repeats wait for, and replay, the outcome. Two
// stores exist: [MemoryStore] for a single replica and [RedisStore] for
// replicas that share state.
package idempotency

import (
	"context"
	"errors"
	"time"
)

// State is where a record stands.
type State uint8

// States of a record.
const (
	// Pending: a call has claimed the key and is still running.
	Pending State = 1
	// Done: the call finished; Value holds its outcome.
	Done State = 2
)

// Key names a record: the caller a request id belongs to, and the id.
// Each caller has its own budget of records (see the stores' CallerLimit),
// so that one caller's ids never crowd out another's.
type Key struct {
	Caller string
	ID     string
}

// Record is what a store remembers of one key. It holds no request content:
// Fingerprint is a keyed hash of the request, Value the encoded outcome.
type Record struct {
	State State
	// Fingerprint identifies the request the key was first used with.
	Fingerprint []byte
	// Owner identifies the claim, so that only the call that took it can
	// complete or release it.
	Owner string
	// Lease is when a pending claim is presumed abandoned (its process
	// died): the call's outcome is then unknown.
	Lease time.Time
	// Value is the outcome of a Done record.
	Value []byte
}

// Errors of stores.
var (
	// ErrNotFound: no record for the key.
	ErrNotFound = errors.New("idempotency: no record")
	// ErrNotOwner: the record is not the caller's pending claim.
	ErrNotOwner = errors.New("idempotency: not the owner of the claim")
	// ErrBudgetExhausted: the key's caller already has its limit of
	// records and every one of them is still pending, so a new claim is
	// refused. Only that caller is refused; others are untouched.
	ErrBudgetExhausted = errors.New("idempotency: the caller's request-id budget is exhausted")
)

// Store keeps records by key. Implementations are safe for concurrent use.
type Store interface {
	// Claim stores rec (a pending claim) under key for ttl unless the key
	// already has a record. It returns claimed true when rec was stored,
	// or the existing record and claimed false. When the key's caller is
	// at its limit, its oldest done records are forgotten first; if all of
	// them are pending, Claim fails with ErrBudgetExhausted.
	Claim(ctx context.Context, key Key, rec Record, ttl time.Duration) (existing Record, claimed bool, err error)
	// Get returns the record under key, or ErrNotFound.
	Get(ctx context.Context, key Key) (Record, error)
	// Complete replaces owner's pending claim under key by the done record
	// rec, keeping the key's expiry. ErrNotOwner if the claim is not owner's.
	Complete(ctx context.Context, key Key, owner string, rec Record) error
	// Release removes owner's pending claim under key. ErrNotOwner if the
	// claim is not owner's.
	Release(ctx context.Context, key Key, owner string) error
	// Ping reports whether the store can be reached.
	Ping(ctx context.Context) error
	// Close releases the store's resources.
	Close() error
}
