package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/platform/telegent-facade/idempotency"
	"github.com/platform/telegent-facade/service"
)

// Idempotency store settings.
const (
	// IdempotencyStoreMemory keeps request ids in the process: enough for
	// one replica; replicas that share callers need Redis.
	IdempotencyStoreMemory = "memory"
	DefaultIdempotencyTTL  = idempotency.DefaultTTL
	// DefaultIdempotencyCallerLimit is --idempotency-caller-limit's default.
	DefaultIdempotencyCallerLimit = idempotency.DefaultCallerLimit
	// redisKeyPrefix namespaces the facade's keys in a shared Redis.
	redisKeyPrefix = "telegent-facade:request-id:"
	// storeProbeTimeout bounds the readiness probe of the store.
	storeProbeTimeout = time.Second
)

// checkIdempotencyStore checks --idempotency-store: "memory",
// redis://[USER@]HOST:PORT/DB or rediss://….
func checkIdempotencyStore(v string) error {
	if v == IdempotencyStoreMemory {
		return nil
	}
	if !strings.HasPrefix(v, "redis://") && !strings.HasPrefix(v, "rediss://") {
		return fmt.Errorf("must be %q, redis://HOST:PORT/DB or rediss://HOST:PORT/DB, got %q", IdempotencyStoreMemory, redactedStore(v))
	}
	_, err := idempotency.ParseRedisURL(v)
	return err
}

// redactedStore is --idempotency-store as it may be shown: a password
// someone put in the URL (refused) is masked, and an unparsable value
// that could hold one is not shown at all.
func redactedStore(v string) string {
	if v == IdempotencyStoreMemory {
		return v
	}
	u, err := url.Parse(v)
	if err != nil {
		return "(malformed)"
	}
	return u.Redacted()
}

// checkIdempotencyRedis checks the Redis client settings as a whole: the
// files must be readable, and a CA file needs rediss://.
func (c Config) checkIdempotencyRedis() error {
	if c.IdempotencyStore == IdempotencyStoreMemory {
		if c.IdempotencyRedisCAFile != "" || c.IdempotencyRedisPasswordFile != "" {
			return errors.New("--idempotency-redis-ca-file and --idempotency-redis-password-file need a redis:// or rediss:// --idempotency-store")
		}
		return nil
	}
	if checkIdempotencyStore(c.IdempotencyStore) != nil {
		return nil // reported by --idempotency-store's own check
	}
	if _, err := idempotency.RedisOptions(c.redisConfig(nil)); err != nil {
		return fmt.Errorf("--idempotency-store: %w", err)
	}
	return nil
}

func (c Config) redisConfig(secret []byte) idempotency.RedisConfig {
	return idempotency.RedisConfig{
		URL: c.IdempotencyStore, Prefix: redisKeyPrefix, Secret: secret, CallerLimit: c.IdempotencyCallerLimit,
		CAFile: c.IdempotencyRedisCAFile, PasswordFile: c.IdempotencyRedisPasswordFile,
	}
}

// requestIDs remembers the outcome of calls that carry a request_id.
type requestIDs struct {
	dedup *idempotency.Deduper
	kind  string // "memory" or "redis"
	up    prometheus.Gauge
}

// newRequestIDs builds the request-id store the configuration names, its
// metrics, and the service option that uses it. Fingerprints are keyed by
// the Telegent account secret, which every replica of one deployment
// shares and a store's reader does not have.
func newRequestIDs(cfg Config, accountSecret string, reg prometheus.Registerer, logger *slog.Logger) (*requestIDs, service.Option, error) {
	var (
		store idempotency.Store
		kind  = IdempotencyStoreMemory
	)
	if cfg.IdempotencyStore == IdempotencyStoreMemory {
		store = idempotency.NewMemoryStore(idempotency.MemoryConfig{CallerLimit: cfg.IdempotencyCallerLimit})
	} else {
		rs, err := idempotency.NewRedisStore(cfg.redisConfig([]byte(accountSecret)))
		if err != nil {
			return nil, nil, fmt.Errorf("configure idempotency store: %w", err)
		}
		store, kind = rs, "redis"
	}
	outcomes := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "telegent_facade_request_ids_total",
		Help: "Calls with a request_id, by outcome: claimed (carried out), replayed (answered from the first call), reused (refused: another request), abandoned (first call never finished), budget_exhausted (refused: the caller's request ids are all in flight), store_error.",
	}, []string{"outcome"})
	up := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "telegent_facade_request_id_store_up",
		Help: "1 when the request-id store answered its last use or probe, 0 when it failed.",
	})
	up.Set(1)
	for _, o := range []string{idempotency.OutcomeClaimed, idempotency.OutcomeReplayed, idempotency.OutcomeReused, idempotency.OutcomeAbandoned, idempotency.OutcomeBudgetExhausted, idempotency.OutcomeStoreDown} {
		outcomes.WithLabelValues(o)
	}
	if err := registerAll(reg, outcomes, up); err != nil {
		return nil, nil, err
	}
	r := &requestIDs{kind: kind, up: up}
	r.dedup = idempotency.New(idempotency.Config{
		Store: store,
		TTL:   cfg.IdempotencyTTL,
		Observe: func(outcome string) {
			outcomes.WithLabelValues(outcome).Inc()
			if outcome == idempotency.OutcomeStoreDown {
				up.Set(0)
			} else {
				up.Set(1)
			}
		},
		Logger: logger,
	})
	return r, service.WithIdempotency(r.dedup, idempotency.NewFingerprinter([]byte(accountSecret))), nil
}

func registerAll(reg prometheus.Registerer, cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("register metrics: %w", err)
		}
	}
	return nil
}

// state probes the store for /readyz: "memory", "redis: up" or
// "redis: unreachable". An unreachable Redis does not fail readiness: calls
// without a request_id are still served, and every replica shares it.
func (r *requestIDs) state(ctx context.Context) string {
	if r.kind == IdempotencyStoreMemory {
		return r.kind
	}
	ctx, cancel := context.WithTimeout(ctx, storeProbeTimeout)
	defer cancel()
	if err := r.dedup.Store().Ping(ctx); err != nil {
		r.up.Set(0)
		return r.kind + ": unreachable"
	}
	r.up.Set(1)
	return r.kind + ": up"
}

func (r *requestIDs) close() error { return r.dedup.Store().Close() }
