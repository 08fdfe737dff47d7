package idempotency

import (
	"context"
	"sync"
	"time"
)

// DefaultMaxEntries bounds a MemoryStore when MemoryConfig.MaxEntries is 0.
// A record takes a few hundred bytes, so the default stays within tens of
// megabytes.
const DefaultMaxEntries = 100_000

// MemoryConfig configures a MemoryStore.
type MemoryConfig struct {
	// MaxEntries bounds the number of records; DefaultMaxEntries when 0.
	// A full store refuses new claims (ErrFull) rather than forget a key
	// before its time, which could let a repeat create twice.
	MaxEntries int
	// Now tells the time; time.Now when nil.
	Now func() time.Time
}

// MemoryStore is a Store in the process's memory, for a single replica.
// Records expire after their ttl; expired records are dropped oldest first
// as new claims arrive.
type MemoryStore struct {
	max int
	now func() time.Time

	mu      sync.Mutex
	records map[string]memoryEntry
	// order holds keys in claim order; with one ttl for every key this is
	// also expiry order, so expired keys are found at its front.
	order []memoryKey
}

type memoryEntry struct {
	rec     Record
	expires time.Time
}

type memoryKey struct {
	key     string
	expires time.Time
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore(cfg MemoryConfig) *MemoryStore {
	if cfg.MaxEntries <= 0 {
		cfg.MaxEntries = DefaultMaxEntries
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &MemoryStore{max: cfg.MaxEntries, now: cfg.Now, records: make(map[string]memoryEntry)}
}

// Claim implements Store.
func (m *MemoryStore) Claim(_ context.Context, key string, rec Record, ttl time.Duration) (Record, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.evictExpired(now)
	if e, ok := m.records[key]; ok && now.Before(e.expires) {
		return e.rec, false, nil
	}
	if len(m.records) >= m.max {
		return Record{}, false, ErrFull
	}
	expires := now.Add(ttl)
	m.records[key] = memoryEntry{rec: rec, expires: expires}
	m.order = append(m.order, memoryKey{key: key, expires: expires})
	return Record{}, true, nil
}

// evictExpired drops the records whose time has passed, oldest first.
func (m *MemoryStore) evictExpired(now time.Time) {
	n := 0
	for ; n < len(m.order) && !now.Before(m.order[n].expires); n++ {
		k := m.order[n]
		// A key released and claimed again has a later expiry: keep it.
		if e, ok := m.records[k.key]; ok && e.expires.Equal(k.expires) {
			delete(m.records, k.key)
		}
	}
	// The dropped prefix is freed when append next reallocates.
	m.order = m.order[n:]
}

// Get implements Store.
func (m *MemoryStore) Get(_ context.Context, key string) (Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.records[key]
	if !ok || !m.now().Before(e.expires) {
		return Record{}, ErrNotFound
	}
	return e.rec, nil
}

// Complete implements Store.
func (m *MemoryStore) Complete(_ context.Context, key, owner string, rec Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.records[key]
	if !ok || e.rec.State != Pending || e.rec.Owner != owner {
		return ErrNotOwner
	}
	e.rec = rec
	m.records[key] = e
	return nil
}

// Release implements Store.
func (m *MemoryStore) Release(_ context.Context, key, owner string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.records[key]
	if !ok || e.rec.State != Pending || e.rec.Owner != owner {
		return ErrNotOwner
	}
	delete(m.records, key)
	return nil
}

// Len returns the number of records held, expired ones not yet dropped
// included.
func (m *MemoryStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.records)
}

// Ping implements Store; memory is always reachable.
func (*MemoryStore) Ping(context.Context) error { return nil }

// Close implements Store.
func (*MemoryStore) Close() error { return nil }
