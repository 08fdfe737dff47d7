package idempotency

import (
	"context"
	"sync"
	"time"
)

// DefaultCallerLimit is how many records one caller may have at once when
// a store's CallerLimit is 0.
const DefaultCallerLimit = 10_000

// MemoryConfig configures a MemoryStore.
type MemoryConfig struct {
	// CallerLimit bounds the records of one caller; DefaultCallerLimit
	// when 0. A caller at its limit has its oldest done records forgotten
	// to make room, then its abandoned claims (pending past their lease);
	// one whose records are all pending within their lease is refused
	// (ErrBudgetExhausted). There is no limit across callers: forgetting
	// one caller's records to make room for another's would let a busy
	// caller turn a quiet caller's repeats into second creates. Memory is
	// bounded by callers × CallerLimit records, and callers are the
	// identities the operator issues (one, "anonymous", without
	// authentication).
	CallerLimit int
	// Now tells the time; time.Now when nil.
	Now func() time.Time
}

// MemoryStore is a Store in the process's memory, for a single replica.
// Records expire after their ttl and are dropped as new claims of their
// caller arrive.
type MemoryStore struct {
	limit int
	now   func() time.Time

	mu      sync.Mutex
	callers map[string]*callerRecords
}

// callerRecords are one caller's records, each on one of two lists in
// expiry order, which is claim order (every key has the same ttl): pending
// claims and done records; the done ones are forgotten from the front
// (oldest claim first) when the caller is at its limit.
type callerRecords struct {
	records map[string]*memoryEntry
	pending entryList
	done    entryList
}

type memoryEntry struct {
	id         string
	rec        Record
	expires    time.Time
	prev, next *memoryEntry
	list       *entryList
}

// entryList is an intrusive doubly linked list: no allocation per record
// beyond the entry itself.
type entryList struct {
	front, back *memoryEntry
}

func (l *entryList) pushBack(e *memoryEntry) {
	e.list, e.prev, e.next = l, l.back, nil
	if l.back != nil {
		l.back.next = e
	} else {
		l.front = e
	}
	l.back = e
}

// insertByExpiry puts e after the last entry that expires no later. Calls
// mostly finish in the order they were claimed, so the walk from the back
// is short.
func (l *entryList) insertByExpiry(e *memoryEntry) {
	at := l.back
	for at != nil && at.expires.After(e.expires) {
		at = at.prev
	}
	e.list, e.prev = l, at
	if at == nil {
		e.next, l.front = l.front, e
	} else {
		e.next, at.next = at.next, e
	}
	if e.next != nil {
		e.next.prev = e
	} else {
		l.back = e
	}
}

func (l *entryList) remove(e *memoryEntry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		l.front = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		l.back = e.prev
	}
	e.prev, e.next, e.list = nil, nil, nil
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore(cfg MemoryConfig) *MemoryStore {
	if cfg.CallerLimit <= 0 {
		cfg.CallerLimit = DefaultCallerLimit
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &MemoryStore{limit: cfg.CallerLimit, now: cfg.Now, callers: make(map[string]*callerRecords)}
}

// Claim implements Store.
func (m *MemoryStore) Claim(_ context.Context, key Key, rec Record, ttl time.Duration) (Record, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	c := m.callers[key.Caller]
	if c == nil {
		c = &callerRecords{records: make(map[string]*memoryEntry)}
		m.callers[key.Caller] = c
	}
	c.dropExpired(now)
	if e, ok := c.records[key.ID]; ok {
		if now.Before(e.expires) {
			return e.rec, false, nil
		}
		c.drop(e)
	}
	for len(c.records) >= m.limit {
		switch {
		case c.done.front != nil:
			c.drop(c.done.front)
		case c.pending.front != nil && !now.Before(c.pending.front.rec.Lease):
			// Abandoned: its call never recorded an outcome within the
			// lease. Forgotten after the done records, never before.
			c.drop(c.pending.front)
		default:
			return Record{}, false, ErrBudgetExhausted
		}
	}
	e := &memoryEntry{id: key.ID, rec: rec, expires: now.Add(ttl)}
	c.records[key.ID] = e
	c.pending.pushBack(e)
	return Record{}, true, nil
}

// dropExpired drops the records at the front of both lists whose time has
// passed.
func (c *callerRecords) dropExpired(now time.Time) {
	for _, l := range []*entryList{&c.pending, &c.done} {
		for l.front != nil && !now.Before(l.front.expires) {
			c.drop(l.front)
		}
	}
}

func (c *callerRecords) drop(e *memoryEntry) {
	e.list.remove(e)
	delete(c.records, e.id)
}

// entry returns key's unexpired record, or nil.
func (m *MemoryStore) entry(key Key) (*callerRecords, *memoryEntry) {
	c := m.callers[key.Caller]
	if c == nil {
		return nil, nil
	}
	e, ok := c.records[key.ID]
	if !ok || !m.now().Before(e.expires) {
		return c, nil
	}
	return c, e
}

// Get implements Store.
func (m *MemoryStore) Get(_ context.Context, key Key) (Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, e := m.entry(key)
	if e == nil {
		return Record{}, ErrNotFound
	}
	return e.rec, nil
}

// Complete implements Store.
func (m *MemoryStore) Complete(_ context.Context, key Key, owner string, rec Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, e := m.entry(key)
	if e == nil || e.rec.State != Pending || e.rec.Owner != owner {
		return ErrNotOwner
	}
	e.rec = rec
	e.list.remove(e)
	c.done.insertByExpiry(e)
	return nil
}

// Release implements Store.
func (m *MemoryStore) Release(_ context.Context, key Key, owner string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, e := m.entry(key)
	if e == nil || e.rec.State != Pending || e.rec.Owner != owner {
		return ErrNotOwner
	}
	c.drop(e)
	if len(c.records) == 0 {
		// A caller without records costs nothing.
		delete(m.callers, key.Caller)
	}
	return nil
}

// Len returns the number of records held, expired ones not yet dropped
// included.
func (m *MemoryStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, c := range m.callers {
		n += len(c.records)
	}
	return n
}

// Ping implements Store; memory is always reachable.
func (*MemoryStore) Ping(context.Context) error { return nil }

// Close implements Store.
func (*MemoryStore) Close() error { return nil }
