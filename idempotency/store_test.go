package idempotency_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/platform/telegent-facade/idempotency"
	"github.com/platform/telegent-facade/internal/testredis"
)

// stores returns one fresh store of each kind, each under its own key
// prefix.
func stores(t *testing.T) map[string]idempotency.Store {
	t.Helper()
	redisSrv := testredis.Start(t)
	rs, err := idempotency.NewRedisStore(idempotency.RedisConfig{URL: redisSrv.URL(), Prefix: "test:" + t.Name() + ":", Secret: []byte("test secret")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rs.Close() })
	return map[string]idempotency.Store{
		"memory": idempotency.NewMemoryStore(idempotency.MemoryConfig{}),
		"redis":  rs,
	}
}

// key is id's key for one caller.
func key(id string) idempotency.Key { return idempotency.Key{Caller: "token:alice", ID: id} }

func TestStoreContract(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			if err := s.Ping(ctx); err != nil {
				t.Fatalf("Ping: %v", err)
			}
			lease := time.Now().Add(time.Minute).Truncate(time.Millisecond)
			claim := idempotency.Record{State: idempotency.Pending, Fingerprint: []byte("fp1"), Owner: "a", Lease: lease}

			if _, err := s.Get(ctx, key("k")); !errors.Is(err, idempotency.ErrNotFound) {
				t.Fatalf("Get before any claim: err = %v, want ErrNotFound", err)
			}
			if _, claimed, err := s.Claim(ctx, key("k"), claim, time.Hour); err != nil || !claimed {
				t.Fatalf("first Claim = %v, %v; want claimed", claimed, err)
			}
			other := claim
			other.Owner, other.Fingerprint = "b", []byte("fp2")
			existing, claimed, err := s.Claim(ctx, key("k"), other, time.Hour)
			if err != nil || claimed {
				t.Fatalf("second Claim = %v, %v; want not claimed", claimed, err)
			}
			if existing.Owner != "a" || string(existing.Fingerprint) != "fp1" || existing.State != idempotency.Pending || !existing.Lease.Equal(lease) {
				t.Fatalf("second Claim saw %+v, want the first claim", existing)
			}

			done := idempotency.Record{State: idempotency.Done, Fingerprint: []byte("fp1"), Value: []byte("outcome")}
			if err := s.Complete(ctx, key("k"), "b", done); !errors.Is(err, idempotency.ErrNotOwner) {
				t.Fatalf("Complete by another owner: err = %v, want ErrNotOwner", err)
			}
			if err := s.Release(ctx, key("k"), "b"); !errors.Is(err, idempotency.ErrNotOwner) {
				t.Fatalf("Release by another owner: err = %v, want ErrNotOwner", err)
			}
			if err := s.Complete(ctx, key("k"), "a", done); err != nil {
				t.Fatalf("Complete by the owner: %v", err)
			}
			got, err := s.Get(ctx, key("k"))
			if err != nil || got.State != idempotency.Done || string(got.Value) != "outcome" || string(got.Fingerprint) != "fp1" {
				t.Fatalf("Get after Complete = %+v, %v", got, err)
			}
			if err := s.Release(ctx, key("k"), "a"); !errors.Is(err, idempotency.ErrNotOwner) {
				t.Fatalf("Release of a done record: err = %v, want ErrNotOwner", err)
			}

			// A released claim frees the key.
			if _, claimed, err := s.Claim(ctx, key("r"), claim, time.Hour); err != nil || !claimed {
				t.Fatalf("Claim r = %v, %v", claimed, err)
			}
			if err := s.Release(ctx, key("r"), "a"); err != nil {
				t.Fatalf("Release: %v", err)
			}
			if _, claimed, err := s.Claim(ctx, key("r"), other, time.Hour); err != nil || !claimed {
				t.Fatalf("Claim after Release = %v, %v; want claimed", claimed, err)
			}
		})
	}
}

func TestMemoryStoreExpires(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := idempotency.NewMemoryStore(idempotency.MemoryConfig{CallerLimit: 2, Now: func() time.Time { return now }})
	claim := idempotency.Record{State: idempotency.Pending, Owner: "a", Lease: now.Add(time.Minute)}
	for _, k := range []string{"k1", "k2"} {
		if _, ok, err := s.Claim(ctx, key(k), claim, time.Hour); !ok || err != nil {
			t.Fatalf("Claim %s = %v, %v", k, ok, err)
		}
	}
	if _, _, err := s.Claim(ctx, key("k3"), claim, time.Hour); !errors.Is(err, idempotency.ErrBudgetExhausted) {
		t.Fatalf("Claim beyond the limit with every record pending: err = %v, want ErrBudgetExhausted", err)
	}
	now = now.Add(time.Hour)
	if _, err := s.Get(ctx, key("k1")); !errors.Is(err, idempotency.ErrNotFound) {
		t.Fatalf("Get after the ttl: err = %v, want ErrNotFound", err)
	}
	if _, ok, err := s.Claim(ctx, key("k3"), claim, time.Hour); !ok || err != nil {
		t.Fatalf("Claim once expired keys are dropped = %v, %v", ok, err)
	}
	if n := s.Len(); n != 1 {
		t.Fatalf("Len = %d, want 1 (expired records dropped)", n)
	}
}

// TestStoreCallerBudget: a caller at its limit has its oldest done records
// forgotten first, is refused only when all its records are pending, and
// never touches another caller's records.
func TestStoreCallerBudget(t *testing.T) {
	ctx := context.Background()
	redisSrv := testredis.Start(t)
	rs, err := idempotency.NewRedisStore(idempotency.RedisConfig{URL: redisSrv.URL(), Prefix: "budget:", Secret: []byte("s"), CallerLimit: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rs.Close() })
	for name, s := range map[string]idempotency.Store{
		"memory": idempotency.NewMemoryStore(idempotency.MemoryConfig{CallerLimit: 3}),
		"redis":  rs,
	} {
		t.Run(name, func(t *testing.T) {
			a := func(id string) idempotency.Key { return idempotency.Key{Caller: "a", ID: id} }
			b := idempotency.Key{Caller: "b", ID: "a1"}
			claimUntil := func(k idempotency.Key, lease time.Time) error {
				rec := idempotency.Record{State: idempotency.Pending, Owner: "o-" + k.ID, Fingerprint: []byte("fp"), Lease: lease}
				_, ok, err := s.Claim(ctx, k, rec, time.Hour)
				if err == nil && !ok {
					return errors.New("not claimed")
				}
				return err
			}
			claim := func(k idempotency.Key) error { return claimUntil(k, time.Now().Add(time.Hour)) }
			done := func(k idempotency.Key) {
				if err := s.Complete(ctx, k, "o-"+k.ID, idempotency.Record{State: idempotency.Done, Fingerprint: []byte("fp"), Value: []byte("v")}); err != nil {
					t.Fatalf("Complete %s: %v", k.ID, err)
				}
			}
			if err := claim(b); err != nil {
				t.Fatal(err)
			}
			done(b)
			for _, id := range []string{"a1", "a2", "a3"} {
				if err := claim(a(id)); err != nil {
					t.Fatalf("claim %s: %v", id, err)
				}
			}
			if err := claim(a("a4")); !errors.Is(err, idempotency.ErrBudgetExhausted) {
				t.Fatalf("claim over the budget, all pending: %v, want ErrBudgetExhausted", err)
			}
			done(a("a2"))
			done(a("a1"))
			// a1 was claimed first: it is forgotten first, though a2
			// finished first.
			if err := claim(a("a4")); err != nil {
				t.Fatalf("claim with done records to forget: %v", err)
			}
			if _, err := s.Get(ctx, a("a1")); !errors.Is(err, idempotency.ErrNotFound) {
				t.Fatalf("oldest done record a1 still there: %v", err)
			}
			if got, err := s.Get(ctx, a("a2")); err != nil || got.State != idempotency.Done {
				t.Fatalf("a2 = %+v, %v; want kept", got, err)
			}
			if err := claim(a("a5")); err != nil {
				t.Fatalf("claim a5: %v", err)
			}
			if err := claim(a("a6")); !errors.Is(err, idempotency.ErrBudgetExhausted) {
				t.Fatalf("claim a6: %v, want ErrBudgetExhausted", err)
			}
			// A release frees a place.
			if err := s.Release(ctx, a("a5"), "o-a5"); err != nil {
				t.Fatal(err)
			}
			if err := claim(a("a6")); err != nil {
				t.Fatalf("claim a6 after a release: %v", err)
			}
			// The other caller's record was never touched.
			if got, err := s.Get(ctx, b); err != nil || got.State != idempotency.Done {
				t.Fatalf("other caller's record = %+v, %v", got, err)
			}
			if err := claim(idempotency.Key{Caller: "b", ID: "b2"}); err != nil {
				t.Fatalf("other caller refused: %v", err)
			}

			// A claim abandoned (its lease passed without an outcome) is
			// forgotten when nothing done is left, rather than hold its
			// caller's place for the whole ttl.
			c := func(id string) idempotency.Key { return idempotency.Key{Caller: "c", ID: id} }
			if err := claimUntil(c("c1"), time.Now().Add(-time.Second)); err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{"c2", "c3", "c4"} {
				if err := claim(c(id)); err != nil {
					t.Fatalf("claim %s: %v", id, err)
				}
			}
			if _, err := s.Get(ctx, c("c1")); !errors.Is(err, idempotency.ErrNotFound) {
				t.Fatalf("abandoned claim c1 still there: %v", err)
			}
			if err := claim(c("c5")); !errors.Is(err, idempotency.ErrBudgetExhausted) {
				t.Fatalf("claim c5: %v, want ErrBudgetExhausted", err)
			}
		})
	}
}

func TestRedisStoreExpires(t *testing.T) {
	ctx := context.Background()
	srv := testredis.Start(t)
	s, err := idempotency.NewRedisStore(idempotency.RedisConfig{URL: srv.URL(), Prefix: "exp:", Secret: []byte("s")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, ok, err := s.Claim(ctx, key("k"), idempotency.Record{State: idempotency.Pending, Owner: "a"}, 50*time.Millisecond); !ok || err != nil {
		t.Fatalf("Claim = %v, %v", ok, err)
	}
	// Redis expires the key by itself; poll for it rather than sleep a
	// guessed time.
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := s.Get(ctx, key("k"))
		if errors.Is(err, idempotency.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("key still there long after its ttl: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRedisStoreDown(t *testing.T) {
	ctx := context.Background()
	srv := testredis.Start(t)
	s, err := idempotency.NewRedisStore(idempotency.RedisConfig{URL: srv.URL(), Prefix: "down:", Secret: []byte("s")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv.Stop()
	if err := s.Ping(ctx); err == nil {
		t.Fatal("Ping succeeded with redis stopped")
	}
	if _, _, err := s.Claim(ctx, key("k"), idempotency.Record{State: idempotency.Pending}, time.Hour); err == nil {
		t.Fatal("Claim succeeded with redis stopped")
	}
}

func TestParseRedisURL(t *testing.T) {
	t.Parallel()
	for raw, wantErr := range map[string]bool{
		"redis://127.0.0.1:6379/0":      false,
		"redis://redis.internal:6379/3": false,
		"redis://127.0.0.1:6379":        false,
		"redis://127.0.0.1/0":           true, // no port
		"rediss://127.0.0.1:6379/0":     false,
		"redis://user@host:6379/0":      false,
		"redis://user:pw@host:6379/0":   true,
		"rediss://:pw@host:6379/0":      true,
		"http://host:6379/0":            true,
		"redis://host:6379/x":           true,
		"redis://host:6379/0?a=b":       true,
		"memory":                        true,
	} {
		_, err := idempotency.ParseRedisURL(raw)
		if (err != nil) != wantErr {
			t.Errorf("ParseRedisURL(%q) err = %v, want error %v", raw, err, wantErr)
		}
	}
}
