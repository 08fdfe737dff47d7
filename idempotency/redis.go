package idempotency

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisStore is a Store in Redis, for replicas that share state. A claim is
// one SET NX PX, so exactly one replica wins it; completing and releasing
// are scripts that check the claim's owner.
type RedisStore struct {
	client *redis.Client
	prefix string
}

var _ Store = (*RedisStore)(nil)

// ParseRedisURL checks a store address of the form redis://HOST:PORT/DB and
// returns the go-redis options for it. Credentials in the URL are refused:
// they would show wherever the configuration is shown.
func ParseRedisURL(raw string) (*redis.Options, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("parse redis URL: %w", err)
	}
	if u.Scheme != "redis" {
		return nil, fmt.Errorf("redis URL must start with redis://, not %q", u.Scheme+"://")
	}
	if u.User != nil {
		return nil, errors.New("redis URL must not carry credentials")
	}
	if u.Hostname() == "" || u.Port() == "" {
		return nil, errors.New("redis URL must name a host and a port (redis://HOST:PORT/DB)")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("redis URL takes no query or fragment")
	}
	db := 0
	if p := strings.Trim(u.Path, "/"); p != "" {
		if db, err = strconv.Atoi(p); err != nil || db < 0 {
			return nil, fmt.Errorf("redis URL database must be a number, not %q", p)
		}
	}
	return &redis.Options{
		Addr: u.Host,
		DB:   db,
		// Calls wait on Redis within their own deadline; these bound a
		// hung connection.
		DialTimeout:  2 * time.Second,
		ReadTimeout:  2 * time.Second,
		WriteTimeout: 2 * time.Second,
		// No retries: a claim that may have been written is not repeated
		// blindly; the caller is answered UNAVAILABLE and may try again.
		MaxRetries: -1,
	}, nil
}

// NewRedisStore returns a store on the Redis server at rawURL
// (redis://HOST:PORT/DB). Keys are prefixed with prefix. It does not
// connect until first used.
func NewRedisStore(rawURL, prefix string) (*RedisStore, error) {
	opts, err := ParseRedisURL(rawURL)
	if err != nil {
		return nil, err
	}
	return &RedisStore{client: redis.NewClient(opts), prefix: prefix}, nil
}

// redisRecord is a Record as Redis holds it: JSON, so that the owner can be
// read by the scripts below.
type redisRecord struct {
	State       State  `json:"state"`
	Fingerprint []byte `json:"fp"`
	Owner       string `json:"owner,omitempty"`
	LeaseUnixMS int64  `json:"lease,omitempty"`
	Value       []byte `json:"value,omitempty"`
}

func encodeRecord(rec Record) ([]byte, error) {
	r := redisRecord{State: rec.State, Fingerprint: rec.Fingerprint, Owner: rec.Owner, Value: rec.Value}
	if !rec.Lease.IsZero() {
		r.LeaseUnixMS = rec.Lease.UnixMilli()
	}
	return json.Marshal(r)
}

func decodeRecord(b []byte) (Record, error) {
	var r redisRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return Record{}, fmt.Errorf("decode idempotency record: %w", err)
	}
	rec := Record{State: r.State, Fingerprint: r.Fingerprint, Owner: r.Owner, Value: r.Value}
	if r.LeaseUnixMS != 0 {
		rec.Lease = time.UnixMilli(r.LeaseUnixMS)
	}
	return rec, nil
}

// Claim implements Store.
func (s *RedisStore) Claim(ctx context.Context, key string, rec Record, ttl time.Duration) (Record, bool, error) {
	b, err := encodeRecord(rec)
	if err != nil {
		return Record{}, false, err
	}
	for {
		ok, err := s.client.SetNX(ctx, s.prefix+key, b, ttl).Result()
		if err != nil {
			return Record{}, false, fmt.Errorf("claim request id in redis: %w", err)
		}
		if ok {
			return Record{}, true, nil
		}
		existing, err := s.Get(ctx, key)
		if errors.Is(err, ErrNotFound) {
			continue // expired or released between the two calls
		}
		return existing, false, err
	}
}

// Get implements Store.
func (s *RedisStore) Get(ctx context.Context, key string) (Record, error) {
	b, err := s.client.Get(ctx, s.prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return Record{}, ErrNotFound
	}
	if err != nil {
		return Record{}, fmt.Errorf("read request id from redis: %w", err)
	}
	return decodeRecord(b)
}

// ownerScript runs ARGV[2] ("complete" or "release") on KEYS[1] if it holds
// a pending claim owned by ARGV[1]; it returns 0 otherwise.
var ownerScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
local rec = cjson.decode(cur)
if rec.state ~= 1 or rec.owner ~= ARGV[1] then return 0 end
if ARGV[2] == 'complete' then
  redis.call('SET', KEYS[1], ARGV[3], 'XX', 'KEEPTTL')
else
  redis.call('DEL', KEYS[1])
end
return 1
`)

// Complete implements Store.
func (s *RedisStore) Complete(ctx context.Context, key, owner string, rec Record) error {
	b, err := encodeRecord(rec)
	if err != nil {
		return err
	}
	return s.runOwner(ctx, key, owner, "complete", b)
}

// Release implements Store.
func (s *RedisStore) Release(ctx context.Context, key, owner string) error {
	return s.runOwner(ctx, key, owner, "release", nil)
}

func (s *RedisStore) runOwner(ctx context.Context, key, owner, op string, value []byte) error {
	n, err := ownerScript.Run(ctx, s.client, []string{s.prefix + key}, owner, op, value).Int()
	if err != nil {
		return fmt.Errorf("%s request id in redis: %w", op, err)
	}
	if n == 0 {
		return ErrNotOwner
	}
	return nil
}

// Ping implements Store.
func (s *RedisStore) Ping(ctx context.Context) error {
	if err := s.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping redis: %w", err)
	}
	return nil
}

// Close implements Store.
func (s *RedisStore) Close() error { return s.client.Close() }
