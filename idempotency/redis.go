package idempotency

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisConfig configures a RedisStore.
type RedisConfig struct {
	// URL is redis://[USER@]HOST:PORT/DB, or rediss:// for TLS. A password
	// in the URL is refused: it would show wherever the configuration is
	// shown; PasswordFile holds it.
	URL string
	// Prefix starts every key of the store.
	Prefix string
	// Secret keys the hashes that name keys and the cipher that seals
	// values. Replicas that share the store must share it; a reader of
	// Redis does not have it.
	Secret []byte
	// CallerLimit bounds the records of one caller, as in MemoryConfig;
	// DefaultCallerLimit when 0.
	CallerLimit int
	// CAFile is a PEM bundle that replaces the system roots for verifying
	// the server of a rediss:// URL.
	CAFile string
	// PasswordFile holds the password sent with AUTH (surrounding white
	// space ignored).
	PasswordFile string
}

// RedisStore is a Store in Redis, for replicas that share state.
//
// Redis sees no names and no request content. Per caller (C: the first 16
// bytes of an HMAC-SHA256 of the caller's name, hex) it holds:
//
//	PREFIX{C}:r:I  a record (I: HMAC-SHA256 of caller and request id, 16
//	               bytes, hex), with the ttl: JSON of its state (1 pending,
//	               2 done), the claim's random owner, its lease (Unix ms),
//	               the request's fingerprint (a keyed hash) and, once done,
//	               the outcome sealed with AES-256-GCM (associated data:
//	               the record's key, so a value cannot be moved to
//	               another key)
//	PREFIX{C}:p    sorted set of the caller's pending I, scored by lease end
//	PREFIX{C}:d    sorted set of the caller's done I, scored by expiry
//	               (scores in Unix µs)
//
// The hash and cipher keys are derived with HKDF-SHA256 from
// RedisConfig.Secret. A claim is one script: it drops expired members,
// forgets the caller's oldest done records while the caller is at its
// limit (then its abandoned claims, whose lease has passed), refuses when
// all its records are pending within their lease, and otherwise stores
// the claim, atomically. The {C} hash tag keeps a caller's keys in one
// Redis Cluster slot, as scripts need.
type RedisStore struct {
	client  *redis.Client
	prefix  string
	limit   int
	nameKey []byte
	aead    cipher.AEAD
}

var _ Store = (*RedisStore)(nil)

// ParseRedisURL checks a store address of the form redis://[USER@]HOST:PORT/DB
// or rediss://… and returns the go-redis options for it (TLS on for
// rediss://, verifying against the system roots). A password in the URL is
// refused: it would show wherever the configuration is shown.
func ParseRedisURL(raw string) (*redis.Options, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url's error repeats the URL, and with it any password.
		return nil, errors.New("redis URL is malformed")
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return nil, fmt.Errorf("redis URL must start with redis:// or rediss://, not %q", u.Scheme+"://")
	}
	var username string
	if u.User != nil {
		if _, has := u.User.Password(); has {
			return nil, errors.New("redis URL must not carry a password: put it in a file named by --idempotency-redis-password-file")
		}
		username = u.User.Username()
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
	opts := &redis.Options{
		Addr:     u.Host,
		Username: username,
		DB:       db,
		// Calls wait on Redis within their own deadline; these bound a
		// hung connection.
		DialTimeout:  2 * time.Second,
		ReadTimeout:  2 * time.Second,
		WriteTimeout: 2 * time.Second,
		// No retries: a claim that may have been written is not repeated
		// blindly; the caller is answered UNAVAILABLE and may try again.
		MaxRetries: -1,
	}
	if u.Scheme == "rediss" {
		opts.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, ServerName: u.Hostname()}
	}
	return opts, nil
}

// RedisOptions returns the go-redis options of cfg: its URL's, with the CA
// bundle and the password its files hold.
func RedisOptions(cfg RedisConfig) (*redis.Options, error) {
	opts, err := ParseRedisURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.CAFile != "" {
		if opts.TLSConfig == nil {
			return nil, errors.New("a redis CA file needs a rediss:// URL")
		}
		pemBytes, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read redis CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pemBytes) {
			return nil, errors.New("redis CA file holds no PEM certificate")
		}
		opts.TLSConfig.RootCAs = pool
	}
	if cfg.PasswordFile != "" {
		b, err := os.ReadFile(cfg.PasswordFile)
		if err != nil {
			// The path is not secret; the content is never printed.
			return nil, fmt.Errorf("read redis password file: %w", err)
		}
		opts.Password = strings.TrimSpace(string(b))
		if opts.Password == "" {
			return nil, errors.New("redis password file is empty")
		}
	}
	return opts, nil
}

// NewRedisStore returns a store on the Redis server cfg names. It does not
// connect until first used.
func NewRedisStore(cfg RedisConfig) (*RedisStore, error) {
	opts, err := RedisOptions(cfg)
	if err != nil {
		return nil, err
	}
	if len(cfg.Secret) == 0 {
		return nil, errors.New("redis store needs a secret to hash key names and seal values")
	}
	if cfg.CallerLimit <= 0 {
		cfg.CallerLimit = DefaultCallerLimit
	}
	nameKey, err := hkdf.Key(sha256.New, cfg.Secret, nil, "telegent-facade idempotency redis names v1", 32)
	if err != nil {
		return nil, fmt.Errorf("derive redis name key: %w", err)
	}
	sealKey, err := hkdf.Key(sha256.New, cfg.Secret, nil, "telegent-facade idempotency redis values v1", 32)
	if err != nil {
		return nil, fmt.Errorf("derive redis value key: %w", err)
	}
	block, err := aes.NewCipher(sealKey)
	if err != nil {
		return nil, fmt.Errorf("make redis value cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("make redis value cipher: %w", err)
	}
	return &RedisStore{client: redis.NewClient(opts), prefix: cfg.Prefix, limit: cfg.CallerLimit, nameKey: nameKey, aead: aead}, nil
}

// redisKeys are the names of one record's keys.
type redisKeys struct {
	record, pending, done string
	recordPrefix, member  string
}

// keys names key's record and its caller's sets by keyed hashes: Redis
// never sees a caller's name or a request id.
func (s *RedisStore) keys(key Key) redisKeys {
	caller := s.hash("caller", key.Caller)
	member := s.hash("id", key.Caller, key.ID)
	base := s.prefix + "{" + caller + "}:"
	return redisKeys{
		record: base + "r:" + member, pending: base + "p", done: base + "d",
		recordPrefix: base + "r:", member: member,
	}
}

// hash is the keyed hash of parts (each length-prefixed, so that parts
// cannot run into each other), 16 bytes in hex.
func (s *RedisStore) hash(kind string, parts ...string) string {
	mac := hmac.New(sha256.New, s.nameKey)
	mac.Write([]byte(kind))
	var n [4]byte
	for _, p := range parts {
		binary.BigEndian.PutUint32(n[:], uint32(len(p)))
		mac.Write(n[:])
		mac.Write([]byte(p))
	}
	return hex.EncodeToString(mac.Sum(nil)[:16])
}

// redisRecord is a Record as Redis holds it: JSON, so that the scripts
// below can read the state and owner. Box is the sealed Value.
type redisRecord struct {
	State       State  `json:"state"`
	Fingerprint []byte `json:"fp"`
	Owner       string `json:"owner,omitempty"`
	LeaseUnixMS int64  `json:"lease,omitempty"`
	// ExpiresUnixUS is a claim's expiry, for the done set's score.
	ExpiresUnixUS int64  `json:"exp,omitempty"`
	Box           []byte `json:"box,omitempty"`
}

func (s *RedisStore) encodeRecord(recordKey string, rec Record, expires time.Time) ([]byte, error) {
	r := redisRecord{State: rec.State, Fingerprint: rec.Fingerprint, Owner: rec.Owner}
	if !expires.IsZero() {
		r.ExpiresUnixUS = expires.UnixMicro()
	}
	if !rec.Lease.IsZero() {
		r.LeaseUnixMS = rec.Lease.UnixMilli()
	}
	if rec.Value != nil {
		nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(rec.Value)+s.aead.Overhead())
		if _, err := rand.Read(nonce); err != nil {
			return nil, fmt.Errorf("make nonce: %w", err)
		}
		r.Box = s.aead.Seal(nonce, nonce, rec.Value, []byte(recordKey))
	}
	return json.Marshal(r)
}

func (s *RedisStore) decodeRecord(recordKey string, b []byte) (Record, error) {
	var r redisRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return Record{}, fmt.Errorf("decode idempotency record: %w", err)
	}
	rec := Record{State: r.State, Fingerprint: r.Fingerprint, Owner: r.Owner}
	if r.LeaseUnixMS != 0 {
		rec.Lease = time.UnixMilli(r.LeaseUnixMS)
	}
	if r.Box != nil {
		n := s.aead.NonceSize()
		if len(r.Box) < n {
			return Record{}, errors.New("decode idempotency record: sealed value too short")
		}
		v, err := s.aead.Open(nil, r.Box[:n], r.Box[n:], []byte(recordKey))
		if err != nil {
			// Another secret, or a value not written by this store.
			return Record{}, fmt.Errorf("open idempotency record: %w", err)
		}
		rec.Value = v
	}
	return rec, nil
}

// claimScript claims KEYS[1] (the record) for the caller whose pending and
// done sets are KEYS[2] and KEYS[3]. ARGV: value, ttl ms, now ms, caller
// limit, member, record key prefix, the claim's lease end µs (now is in
// µs too; scores are Unix µs, so that claims have distinct ones). It returns
// {0, existing value}, {1} when claimed, or {2} when the caller's records
// are all pending within their lease. Pending members are scored by lease
// end: a claim whose lease has passed was abandoned (its replica stopped)
// and is forgotten like a done record, after the done ones, so that a
// crash cannot lock its callers out for the whole ttl.
var claimScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur then return {0, cur} end
local ttl = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local limit = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local n = redis.call('ZCARD', KEYS[2]) + redis.call('ZCARD', KEYS[3])
while n >= limit do
  local oldest = redis.call('ZPOPMIN', KEYS[3])
  if #oldest == 0 then
    oldest = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 1)
    if #oldest == 0 then return {2} end
    redis.call('ZREM', KEYS[2], oldest[1])
  end
  redis.call('DEL', ARGV[6] .. oldest[1])
  n = n - 1
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
redis.call('ZADD', KEYS[2], ARGV[7], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ttl)
return {1}
`)

// ownerScript runs ARGV[2] ("complete" or "release") on KEYS[1] if it holds
// a pending claim owned by ARGV[1], moving ARGV[4] (the member) from the
// pending set KEYS[2] to the done set KEYS[3] or out of it; it returns 0
// otherwise. ARGV[3] is the done record; its score is the claim's expiry.
var ownerScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
local rec = cjson.decode(cur)
if rec.state ~= 1 or rec.owner ~= ARGV[1] then return 0 end
redis.call('ZREM', KEYS[2], ARGV[4])
if ARGV[2] == 'complete' then
  redis.call('SET', KEYS[1], ARGV[3], 'XX', 'KEEPTTL')
  local left = redis.call('PTTL', KEYS[1])
  redis.call('ZADD', KEYS[3], string.format('%.0f', rec.exp), ARGV[4])
  if redis.call('PTTL', KEYS[3]) < left then redis.call('PEXPIRE', KEYS[3], left) end
else
  redis.call('DEL', KEYS[1])
end
return 1
`)

// Claim implements Store.
func (s *RedisStore) Claim(ctx context.Context, key Key, rec Record, ttl time.Duration) (Record, bool, error) {
	k := s.keys(key)
	now := time.Now()
	b, err := s.encodeRecord(k.record, rec, now.Add(ttl))
	if err != nil {
		return Record{}, false, err
	}
	res, err := claimScript.Run(ctx, s.client, []string{k.record, k.pending, k.done},
		b, ttl.Milliseconds(), now.UnixMicro(), s.limit, k.member, k.recordPrefix, rec.Lease.UnixMicro()).Slice()
	if err != nil {
		return Record{}, false, fmt.Errorf("claim request id in redis: %w", err)
	}
	switch code, _ := res[0].(int64); code {
	case 1:
		return Record{}, true, nil
	case 2:
		return Record{}, false, ErrBudgetExhausted
	}
	if len(res) < 2 {
		return Record{}, false, errors.New("claim request id in redis: unexpected answer")
	}
	cur, _ := res[1].(string)
	existing, err := s.decodeRecord(k.record, []byte(cur))
	return existing, false, err
}

// Get implements Store.
func (s *RedisStore) Get(ctx context.Context, key Key) (Record, error) {
	k := s.keys(key)
	b, err := s.client.Get(ctx, k.record).Bytes()
	if errors.Is(err, redis.Nil) {
		return Record{}, ErrNotFound
	}
	if err != nil {
		return Record{}, fmt.Errorf("read request id from redis: %w", err)
	}
	return s.decodeRecord(k.record, b)
}

// Complete implements Store.
func (s *RedisStore) Complete(ctx context.Context, key Key, owner string, rec Record) error {
	k := s.keys(key)
	b, err := s.encodeRecord(k.record, rec, time.Time{})
	if err != nil {
		return err
	}
	return s.runOwner(ctx, k, owner, "complete", b)
}

// Release implements Store.
func (s *RedisStore) Release(ctx context.Context, key Key, owner string) error {
	return s.runOwner(ctx, s.keys(key), owner, "release", nil)
}

func (s *RedisStore) runOwner(ctx context.Context, k redisKeys, owner, op string, value []byte) error {
	n, err := ownerScript.Run(ctx, s.client, []string{k.record, k.pending, k.done},
		owner, op, value, k.member).Int()
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
