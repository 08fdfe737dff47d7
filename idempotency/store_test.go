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
	rs, err := idempotency.NewRedisStore(redisSrv.URL(), "test:"+t.Name()+":")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rs.Close() })
	return map[string]idempotency.Store{
		"memory": idempotency.NewMemoryStore(idempotency.MemoryConfig{}),
		"redis":  rs,
	}
}

func TestStoreContract(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			if err := s.Ping(ctx); err != nil {
				t.Fatalf("Ping: %v", err)
			}
			lease := time.Now().Add(time.Minute).Truncate(time.Millisecond)
			claim := idempotency.Record{State: idempotency.Pending, Fingerprint: []byte("fp1"), Owner: "a", Lease: lease}

			if _, err := s.Get(ctx, "k"); !errors.Is(err, idempotency.ErrNotFound) {
				t.Fatalf("Get before any claim: err = %v, want ErrNotFound", err)
			}
			if _, claimed, err := s.Claim(ctx, "k", claim, time.Hour); err != nil || !claimed {
				t.Fatalf("first Claim = %v, %v; want claimed", claimed, err)
			}
			other := claim
			other.Owner, other.Fingerprint = "b", []byte("fp2")
			existing, claimed, err := s.Claim(ctx, "k", other, time.Hour)
			if err != nil || claimed {
				t.Fatalf("second Claim = %v, %v; want not claimed", claimed, err)
			}
			if existing.Owner != "a" || string(existing.Fingerprint) != "fp1" || existing.State != idempotency.Pending || !existing.Lease.Equal(lease) {
				t.Fatalf("second Claim saw %+v, want the first claim", existing)
			}

			done := idempotency.Record{State: idempotency.Done, Fingerprint: []byte("fp1"), Value: []byte("outcome")}
			if err := s.Complete(ctx, "k", "b", done); !errors.Is(err, idempotency.ErrNotOwner) {
				t.Fatalf("Complete by another owner: err = %v, want ErrNotOwner", err)
			}
			if err := s.Release(ctx, "k", "b"); !errors.Is(err, idempotency.ErrNotOwner) {
				t.Fatalf("Release by another owner: err = %v, want ErrNotOwner", err)
			}
			if err := s.Complete(ctx, "k", "a", done); err != nil {
				t.Fatalf("Complete by the owner: %v", err)
			}
			got, err := s.Get(ctx, "k")
			if err != nil || got.State != idempotency.Done || string(got.Value) != "outcome" || string(got.Fingerprint) != "fp1" {
				t.Fatalf("Get after Complete = %+v, %v", got, err)
			}
			if err := s.Release(ctx, "k", "a"); !errors.Is(err, idempotency.ErrNotOwner) {
				t.Fatalf("Release of a done record: err = %v, want ErrNotOwner", err)
			}

			// A released claim frees the key.
			if _, claimed, err := s.Claim(ctx, "r", claim, time.Hour); err != nil || !claimed {
				t.Fatalf("Claim r = %v, %v", claimed, err)
			}
			if err := s.Release(ctx, "r", "a"); err != nil {
				t.Fatalf("Release: %v", err)
			}
			if _, claimed, err := s.Claim(ctx, "r", other, time.Hour); err != nil || !claimed {
				t.Fatalf("Claim after Release = %v, %v; want claimed", claimed, err)
			}
		})
	}
}

func TestMemoryStoreExpiresAndBounds(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := idempotency.NewMemoryStore(idempotency.MemoryConfig{MaxEntries: 2, Now: func() time.Time { return now }})
	claim := idempotency.Record{State: idempotency.Pending, Owner: "a"}
	for _, k := range []string{"k1", "k2"} {
		if _, ok, err := s.Claim(ctx, k, claim, time.Hour); !ok || err != nil {
			t.Fatalf("Claim %s = %v, %v", k, ok, err)
		}
	}
	if _, _, err := s.Claim(ctx, "k3", claim, time.Hour); !errors.Is(err, idempotency.ErrFull) {
		t.Fatalf("Claim beyond the bound: err = %v, want ErrFull", err)
	}
	now = now.Add(time.Hour)
	if _, err := s.Get(ctx, "k1"); !errors.Is(err, idempotency.ErrNotFound) {
		t.Fatalf("Get after the ttl: err = %v, want ErrNotFound", err)
	}
	if _, ok, err := s.Claim(ctx, "k3", claim, time.Hour); !ok || err != nil {
		t.Fatalf("Claim once expired keys are dropped = %v, %v", ok, err)
	}
	if n := s.Len(); n != 1 {
		t.Fatalf("Len = %d, want 1 (expired records dropped)", n)
	}
}

func TestRedisStoreExpires(t *testing.T) {
	ctx := context.Background()
	srv := testredis.Start(t)
	s, err := idempotency.NewRedisStore(srv.URL(), "exp:")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, ok, err := s.Claim(ctx, "k", idempotency.Record{State: idempotency.Pending, Owner: "a"}, 50*time.Millisecond); !ok || err != nil {
		t.Fatalf("Claim = %v, %v", ok, err)
	}
	// Redis expires the key by itself; poll for it rather than sleep a
	// guessed time.
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := s.Get(ctx, "k")
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
	s, err := idempotency.NewRedisStore(srv.URL(), "down:")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv.Stop()
	if err := s.Ping(ctx); err == nil {
		t.Fatal("Ping succeeded with redis stopped")
	}
	if _, _, err := s.Claim(ctx, "k", idempotency.Record{State: idempotency.Pending}, time.Hour); err == nil {
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
		"rediss://127.0.0.1:6379/0":     true,
		"redis://user:pw@host:6379/0":   true,
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
