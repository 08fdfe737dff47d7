package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/platform/telegent-facade/bench/internal/benchproc"
	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/telegentsim"
)

// outcome is how one call ended.
type outcome int

const (
	succeeded outcome = iota
	// refused: 429 or RESOURCE_EXHAUSTED, the facade shedding load.
	refused
	// failed: anything else (a transport error, a deadline, another status).
	failed
)

// caller makes one call; worker is the calling goroutine's index.
type caller func(ctx context.Context, worker int) (outcome, error)

// sample is one finished call: when it started and ended, relative to the
// run's base time.
type sample struct {
	start, end time.Duration
	outcome    outcome
}

// loadRun is a closed loop of workers calling one caller.
type loadRun struct {
	base    time.Time
	stop    atomic.Bool
	wg      sync.WaitGroup
	mu      sync.Mutex
	samples [][]sample
	errs    []string
	// ok, refused and failed count calls as they end, for sampling a
	// running load.
	ok, refusedN, failedN atomic.Int64
}

// startLoad starts workers goroutines that call do until stopped.
func startLoad(ctx context.Context, do caller, workers int, timeout time.Duration) *loadRun {
	r := &loadRun{base: time.Now(), samples: make([][]sample, workers)}
	for w := range workers {
		r.wg.Go(func() {
			own := make([]sample, 0, 1<<12)
			for !r.stop.Load() && ctx.Err() == nil {
				t0 := time.Since(r.base)
				cctx, cancel := context.WithTimeout(ctx, timeout)
				o, err := do(cctx, w)
				cancel()
				own = append(own, sample{start: t0, end: time.Since(r.base), outcome: o})
				switch o {
				case succeeded:
					r.ok.Add(1)
				case refused:
					r.refusedN.Add(1)
				default:
					r.failedN.Add(1)
					if ctx.Err() == nil {
						r.mu.Lock()
						if len(r.errs) < 5 {
							r.errs = append(r.errs, err.Error())
						}
						r.mu.Unlock()
					}
				}
			}
			r.mu.Lock()
			r.samples[w] = own
			r.mu.Unlock()
		})
	}
	return r
}

// finish stops the workers and waits for their calls in flight.
func (r *loadRun) finish() {
	r.stop.Store(true)
	r.wg.Wait()
}

// stats summarises the calls that ended in [from, to) and, for latency,
// those that also started at or after startedFrom.
type stats struct {
	window              time.Duration
	ok, refused, failed int
	latencies           []time.Duration // successful calls, sorted
	errs                []string
	goodputPerSecond    []float64 // successful calls in each whole second of the window
	refusedPerSecond    []float64
	// failedAll counts every failed call of the run, warm-up and the
	// calls still in flight at the end included.
	failedAll int64
	peakRSS   int64
	// cpuJudged, cpuSim and cpuLoad are the CPU time the process under
	// test, the simulator and the load generator used in the window.
	cpuJudged, cpuSim, cpuLoad time.Duration
	// limitAtEnd is the facade's limit when the window ended.
	limitAtEnd int
}

func (r *loadRun) stats(from, to, startedFrom time.Duration) *stats {
	s := &stats{window: to - from, errs: r.errs, failedAll: r.failedN.Load()}
	secs := int(s.window / time.Second)
	s.goodputPerSecond = make([]float64, secs)
	s.refusedPerSecond = make([]float64, secs)
	for _, own := range r.samples {
		for _, c := range own {
			if c.end < from || c.end >= to {
				continue
			}
			sec := int((c.end - from) / time.Second)
			switch c.outcome {
			case succeeded:
				s.ok++
				if c.start >= startedFrom {
					s.latencies = append(s.latencies, c.end-c.start)
				}
				if sec < secs {
					s.goodputPerSecond[sec]++
				}
			case refused:
				s.refused++
				if sec < secs {
					s.refusedPerSecond[sec]++
				}
			default:
				s.failed++
			}
		}
	}
	slices.Sort(s.latencies)
	return s
}

func (s *stats) goodput() float64 { return float64(s.ok) / s.window.Seconds() }

// cpuPerCall is d per successful call of the window.
func (s *stats) cpuPerCall(d time.Duration) time.Duration {
	if s.ok == 0 {
		return 0
	}
	return d / time.Duration(s.ok)
}

// cpuMeters reads the CPU time of the judged process, the simulator and
// the load generator.
func cpuMeters(judged, sim *benchproc.Proc) (j, s, l time.Duration, err error) {
	if j, err = judged.CPU(); err != nil {
		return
	}
	if s, err = sim.CPU(); err != nil {
		return
	}
	l, err = benchproc.SelfCPU()
	return
}

func (s *stats) refusedShare() float64 {
	n := s.ok + s.refused + s.failed
	if n == 0 {
		return 0
	}
	return float64(s.refused) / float64(n)
}

// percentile returns the q-quantile of sorted latencies (nearest rank).
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(float64(len(sorted))*q)) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// httpCaller POSTs body to url with hc: 200 succeeds, 429 is refused.
func httpCaller(hc *http.Client, url string, body []byte, authorization string) caller {
	return func(ctx context.Context, _ int) (outcome, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return failed, err
		}
		req.Header.Set("Content-Type", "application/json")
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return failed, err
		}
		defer resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
			_, err = io.Copy(io.Discard, resp.Body)
			if err != nil {
				return failed, err
			}
			return succeeded, nil
		case http.StatusTooManyRequests:
			_, _ = io.Copy(io.Discard, resp.Body)
			return refused, nil
		}
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return failed, fmt.Errorf("HTTP %d: %s", resp.StatusCode, msg)
	}
}

// hopCaller calls Telegent's create through the plain proxy.
func (b *bench) hopCaller() caller {
	return httpCaller(b.hc, b.proxyURL+telegentsim.CreatePath, b.telegentBody, "Bearer "+b.token)
}

// restCaller calls the facade's POST /v1/webhooks.
func (b *bench) restCaller() caller {
	return httpCaller(b.facadeHC, "http://"+b.facadeHTTP+"/v1/webhooks", b.restBody, "")
}

// peerCaller calls the peer's POST /v1/webhooks (grpc-gateway, then gRPC
// over loopback).
func (b *bench) peerCaller() caller {
	return httpCaller(b.peerHC, "http://"+b.peerGateway+"/v1/webhooks", b.restBody, "")
}

// grpcCaller calls CreateWebhook over conns connections; close them after.
func (b *bench) grpcCaller(conns int) (caller, func(), error) {
	var clients []webhookv1.WebhookServiceClient
	var open []*grpc.ClientConn
	closeAll := func() {
		for _, c := range open {
			_ = c.Close()
		}
	}
	for range conns {
		conn, err := grpc.NewClient(b.facadeGRPC, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("connect to the facade: %w", err)
		}
		open = append(open, conn)
		clients = append(clients, webhookv1.NewWebhookServiceClient(conn))
	}
	return func(ctx context.Context, worker int) (outcome, error) {
		resp, err := clients[worker%len(clients)].CreateWebhook(ctx, b.req)
		switch {
		case err == nil && resp.GetWebhook().GetWebhookId() != "":
			return succeeded, nil
		case err == nil:
			return failed, errors.New("answer without a webhook id")
		case status.Code(err) == codes.ResourceExhausted:
			return refused, nil
		}
		return failed, err
	}, closeAll, nil
}

// peakRSS samples p's RSS every 250 ms until ctx ends and returns the
// highest value seen.
func peakRSS(ctx context.Context, p *benchproc.Proc) <-chan int64 {
	out := make(chan int64, 1)
	go func() {
		var peak int64
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			if v, err := p.RSS(); err == nil {
				peak = max(peak, v)
			}
			select {
			case <-ctx.Done():
				out <- peak
				return
			case <-t.C:
			}
		}
	}()
	return out
}
