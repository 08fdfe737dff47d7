package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"google.golang.org/grpc"

	"github.com/platform/telegent-facade/auth"
	"github.com/platform/telegent-facade/resilience"
)

// metrics holds every collector the facade exports on /metrics.
type metrics struct {
	registry *prometheus.Registry
	grpc     *grpcprom.ServerMetrics

	upstreamDuration *prometheus.HistogramVec
	tokenFetches     *prometheus.CounterVec
	retries          *prometheus.CounterVec
	breakerState     prometheus.Gauge
	rejections       *prometheus.CounterVec
	authnFailures    *prometheus.CounterVec
	authzDecisions   *prometheus.CounterVec
	httpRefusals     *prometheus.CounterVec
}

// metricsNamespace prefixes every metric of the facade's own.
const metricsNamespace = "telegent_facade"

// protocolLabels are the protocol label of the server metrics, one map per
// protocol, built once: the labels function runs on every call.
var protocolLabels = map[string]prometheus.Labels{
	protocolGRPC: {"protocol": protocolGRPC}, protocolREST: {"protocol": protocolREST},
	protocolConnect: {"protocol": protocolConnect}, protocolGRPCWeb: {"protocol": protocolGRPCWeb},
}

// callProtocol labels a call's metrics with the protocol it arrived by, set
// by the HTTP layer (REST, Connect, gRPC-Web) or correlationIDInterceptor
// (gRPC), both before the metrics interceptor runs.
func callProtocol(ctx context.Context) prometheus.Labels {
	if c := callFrom(ctx); c != nil {
		if l, ok := protocolLabels[c.protocol]; ok {
			return l
		}
	}
	return protocolLabels[protocolGRPC]
}

// unaryInterceptor is the metrics interceptor of the chain.
func (m *metrics) unaryInterceptor() grpc.UnaryServerInterceptor {
	return m.grpc.UnaryServerInterceptor(grpcprom.WithLabelsFromContext(callProtocol))
}

// Reasons of telegent_facade_http_refusals_total.
const (
	refusedBodyTooLarge     = "body_too_large"
	refusedMediaType        = "unsupported_media_type"
	refusedMalformed        = "malformed_request"
	refusedHeadersTooLarge  = "headers_too_large"
	refusedMethodNotAllowed = "method_not_allowed"
	refusedNotFound         = "not_found"
	refusedOther            = "other"
)

// refusalReason names an HTTP status answered before the chain.
func refusalReason(code int) string {
	switch code {
	case http.StatusRequestEntityTooLarge:
		return refusedBodyTooLarge
	case http.StatusUnsupportedMediaType:
		return refusedMediaType
	case http.StatusBadRequest:
		return refusedMalformed
	case http.StatusRequestHeaderFieldsTooLarge:
		return refusedHeadersTooLarge
	case http.StatusMethodNotAllowed:
		return refusedMethodNotAllowed
	case http.StatusNotFound:
		return refusedNotFound
	default:
		return refusedOther
	}
}

// refused counts a request answered with an error status by the HTTP layer
// without reaching the interceptor chain (so not in the server metrics).
// A nil m counts nothing.
func (m *metrics) refused(protocol string, code int) {
	if m == nil || code < 400 {
		return
	}
	m.httpRefusals.WithLabelValues(protocol, refusalReason(code)).Inc()
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		// telegent_facade_grpc_server_*: every call, whatever protocol
		// it came by (the protocol label says which).
		grpc: grpcprom.NewServerMetrics(
			grpcprom.WithServerCounterOptions(grpcprom.WithNamespace(metricsNamespace)),
			grpcprom.WithServerHandlingTimeHistogram(
				grpcprom.WithHistogramNamespace(metricsNamespace),
				grpcprom.WithHistogramBuckets([]float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}),
			),
			grpcprom.WithContextLabels("protocol"),
		),
		upstreamDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "telegent_facade_upstream_request_duration_seconds",
			Help:    "Duration of HTTP attempts to Telegent, by operation and upstream status (0: no response).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"op", "status"}),
		tokenFetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "telegent_facade_upstream_token_fetches_total",
			Help: "Telegent token fetches, by outcome (ok, rejected, failed).",
		}, []string{"outcome"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "telegent_facade_upstream_retries_total",
			Help: "Retries of Telegent calls, by operation and reason.",
		}, []string{"op", "reason"}),
		breakerState: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "telegent_facade_upstream_circuit_breaker_state",
			Help: "State of the circuit breaker in front of Telegent: 0 closed, 1 half-open, 2 open.",
		}),
		rejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "telegent_facade_upstream_rejections_total",
			Help: "Calls refused without being sent to Telegent, by reason (circuit_open, overloaded).",
		}, []string{"reason"}),
		authnFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "telegent_facade_authn_failures_total",
			Help: "Callers refused for want of valid credentials, by failure (missing, malformed, invalid_token, no_identity).",
		}, []string{"failure"}),
		authzDecisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "telegent_facade_authz_decisions_total",
			Help: "Authorisation decisions on calls for an account, by decision (allow, deny).",
		}, []string{"decision"}),
		httpRefusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "telegent_facade_http_refusals_total",
			Help: "HTTP requests refused before the interceptor chain (so not in telegent_facade_grpc_server_*), by protocol and reason (body_too_large, unsupported_media_type, malformed_request, headers_too_large, method_not_allowed, not_found, other).",
		}, []string{"protocol", "reason"}),
	}
	for _, p := range []string{protocolREST, protocolConnect, protocolGRPCWeb} {
		for _, r := range []string{refusedBodyTooLarge, refusedMediaType, refusedMalformed, refusedHeadersTooLarge} {
			m.httpRefusals.WithLabelValues(p, r)
		}
	}
	for _, d := range []string{auth.DecisionAllow, auth.DecisionDeny} {
		m.authzDecisions.WithLabelValues(d)
	}
	m.registry.MustRegister(m.authnFailures, m.authzDecisions)
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.grpc, m.upstreamDuration, m.tokenFetches, m.retries, m.breakerState, m.rejections, m.httpRefusals,
	)
	return m
}

// registerConcurrency exports the adaptive limit on calls to Telegent and
// the calls in flight, read from g when scraped.
func (m *metrics) registerConcurrency(g *resilience.Guard) {
	m.registry.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "telegent_facade_upstream_concurrency_limit",
			Help: "Current adaptive limit on concurrent calls to Telegent (between its floor and --max-upstream).",
		}, func() float64 { return float64(g.Concurrency().Limit) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "telegent_facade_upstream_inflight",
			Help: "Calls to Telegent in flight.",
		}, func() float64 { return float64(g.Concurrency().InFlight) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "telegent_facade_upstream_paused_seconds",
			Help: "Time left before calls are sent to Telegent again after it answered with a Retry-After; 0 when not paused.",
		}, func() float64 { return g.Concurrency().PausedFor.Seconds() }),
	)
}

// concurrencyDetail is the /readyz detail of the limit, e.g. "limit 240,
// in flight 37", with ", paused 2s" while a Retry-After from Telegent
// holds calls back.
func concurrencyDetail(c resilience.Concurrency) string {
	d := "limit " + strconv.Itoa(c.Limit) + ", in flight " + strconv.Itoa(c.InFlight)
	if c.PausedFor > 0 {
		d += ", paused " + c.PausedFor.Round(time.Millisecond).String()
	}
	return d
}

// upstreamObserver feeds the Telegent client's events into the metrics. It
// implements telegent.Observer.
type upstreamObserver struct {
	m *metrics
	// tokens is told every token fetch's outcome.
	tokens func(outcome string)
}

func (o upstreamObserver) ObserveUpstream(op string, status int, d time.Duration, _ error) {
	o.m.upstreamDuration.WithLabelValues(opLabel(op), strconv.Itoa(status)).Observe(d.Seconds())
}

func (o upstreamObserver) ObserveTokenFetch(outcome string) {
	o.m.tokenFetches.WithLabelValues(outcome).Inc()
	if o.tokens != nil {
		o.tokens(outcome)
	}
}

func (o upstreamObserver) ObserveRetry(op, reason string) {
	o.m.retries.WithLabelValues(opLabel(op), reason).Inc()
}

// opLabel is an operation's name as a label value, in snake_case: no
// spaces, which PromQL matchers and dashboards handle badly. A name that
// has none is returned as is, without allocating.
func opLabel(op string) string { return strings.ReplaceAll(op, " ", "_") }

// breakerObserver feeds the resilience guard's events into the metrics. It
// implements resilience.Observer.
type breakerObserver struct{ m *metrics }

func (o breakerObserver) BreakerStateChanged(_, to resilience.State) {
	o.m.breakerState.Set(float64(to)) // closed 0, half-open 1, open 2
}

func (o breakerObserver) Rejected(reason string) { o.m.rejections.WithLabelValues(reason).Inc() }

// authObserver feeds authentication and authorisation events into the
// metrics. It implements auth.Observer.
type authObserver struct{ m *metrics }

func (o authObserver) AuthenticationFailed(f auth.Failure) {
	o.m.authnFailures.WithLabelValues(string(f)).Inc()
}

func (o authObserver) AuthorizationDecided(decision string) {
	o.m.authzDecisions.WithLabelValues(decision).Inc()
}
