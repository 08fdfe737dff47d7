// Package testutil holds small helpers that tests of several packages
// share: a log sink safe for concurrent writers, a clock that moves only
// when told, and the one poll-until helper.
package testutil

import (
	"bytes"
	"sync"
	"testing"
	"time"
)

// SyncBuffer collects output, typically logs, written from concurrent
// goroutines. The zero value is ready to use.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Clock is a clock that moves only when told to; safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock showing now.
func NewClock(now time.Time) *Clock { return &Clock{now: now} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Poll checks cond every 10 ms until it holds, for state that announces
// nothing (another process, a listener, a counter). limit only bounds a
// hang: it is not a timing assertion, so make it generous. what names the
// condition in the failure message.
func Poll(tb testing.TB, limit time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("%s: not reached within %v", what, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
