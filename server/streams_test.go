package server_test

import (
	"bytes"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/platform/telegent-facade/internal/testutil"
	"github.com/platform/telegent-facade/server"
)

// startDev runs a dev-mode facade (embedded simulator) with cfg's
// addresses and limits defaulted.
func startDev(t *testing.T, cfg server.Config) *server.Server {
	t.Helper()
	cfg.GRPCAddr, cfg.HTTPAddr, cfg.Dev = "127.0.0.1:0", "127.0.0.1:0", true
	cfg.ShutdownGrace, cfg.MaxUpstream = 5*time.Second, 8
	cfg.BreakerFailures, cfg.BreakerFailureRatio, cfg.BreakerOpenTimeout = 5, 0.5, time.Second
	if cfg.UpstreamTimeout == 0 {
		cfg.UpstreamTimeout = 5 * time.Second
	}
	return server.StartForTest(t, cfg, slog.New(slog.DiscardHandler), nil)
}

// h2conn is a raw HTTP/2 client connection: it sends exactly the frames a
// test writes, as an attacker would.
type h2conn struct {
	conn net.Conn
	fr   *http2.Framer
	enc  *hpack.Encoder
	hbuf bytes.Buffer

	mu     sync.Mutex
	ended  map[uint32]string // stream id: how the server ended it
	closed bool
}

func dialH2(t *testing.T, addr string) *h2conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	if _, err := conn.Write([]byte(http2.ClientPreface)); err != nil {
		t.Fatal(err)
	}
	c := &h2conn{conn: conn, fr: http2.NewFramer(conn, conn), ended: map[uint32]string{}}
	c.enc = hpack.NewEncoder(&c.hbuf)
	if err := c.fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	go c.readLoop()
	return c
}

// readLoop reads the server's frames, so that its writes never block, and
// records how each stream ended.
func (c *h2conn) readLoop() {
	dec := hpack.NewDecoder(4096, nil)
	for {
		f, err := c.fr.ReadFrame()
		if err != nil {
			c.mu.Lock()
			c.closed = true
			c.mu.Unlock()
			return
		}
		c.mu.Lock()
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				_ = c.fr.WriteSettingsAck()
			}
		case *http2.RSTStreamFrame:
			if _, ok := c.ended[f.StreamID]; !ok { // after trailers, RST_STREAM only cleans up
				c.ended[f.StreamID] = "rst:" + f.ErrCode.String()
			}
		case *http2.HeadersFrame:
			fields, _ := dec.DecodeFull(f.HeaderBlockFragment())
			for _, hf := range fields {
				if hf.Name == "grpc-status" && f.StreamEnded() {
					c.ended[f.StreamID] = "grpc-status:" + hf.Value
				}
			}
		case *http2.PingFrame:
			if !f.IsAck() {
				_ = c.fr.WritePing(true, f.Data)
			}
		}
		c.mu.Unlock()
	}
}

// openStream sends the headers of a CreateWebhook call, and no message.
func (c *h2conn) openStream(id uint32) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hbuf.Reset()
	for _, hf := range []hpack.HeaderField{
		{Name: ":method", Value: "POST"}, {Name: ":scheme", Value: "http"}, {Name: ":authority", Value: "facade"},
		{Name: ":path", Value: "/telegent.webhook.v1.WebhookService/CreateWebhook"},
		{Name: "content-type", Value: "application/grpc"}, {Name: "te", Value: "trailers"},
	} {
		_ = c.enc.WriteField(hf)
	}
	return c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: c.hbuf.Bytes(), EndHeaders: true})
}

func (c *h2conn) endedAs(id uint32) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	how, ok := c.ended[id]
	return how, ok
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestHeaderOnlyStreamsAreBounded reproduces the attack of opening 100,000
// gRPC streams on one connection that send headers and nothing else, then
// a stream whose message stalls after 5 bytes. The facade keeps at most
// --max-concurrent-streams of them open (goroutines and memory stay
// bounded), and ends the stalled one when its deadline, which starts when
// its headers arrive, passes.
func TestHeaderOnlyStreamsAreBounded(t *testing.T) {
	srv := startDev(t, server.Config{UpstreamTimeout: 2 * time.Second, MaxConcurrentStreams: 100})
	goroutinesBefore, heapBefore := runtime.NumGoroutine(), heapInUse()

	c := dialH2(t, srv.GRPCAddr().String())
	const attack = 100_000
	maxGoroutines := 0
	for i := range attack {
		if err := c.openStream(uint32(2*i + 1)); err != nil {
			t.Logf("the server closed the connection after %d streams: %v", i, err)
			break
		}
		if i%5000 == 0 {
			maxGoroutines = max(maxGoroutines, runtime.NumGoroutine())
		}
	}
	maxGoroutines = max(maxGoroutines, runtime.NumGoroutine())
	heapAfter := heapInUse()
	t.Logf("goroutines %d before, at most %d during the attack; heap in use %d MiB before, %d MiB after",
		goroutinesBefore, maxGoroutines, heapBefore>>20, heapAfter>>20)
	// A goroutine or two per open stream, and a few per connection.
	if limit := goroutinesBefore + 2*100 + 50; maxGoroutines > limit {
		t.Errorf("%d goroutines during the attack, want at most %d", maxGoroutines, limit)
	}
	if grown := int64(heapAfter) - int64(heapBefore); grown > 64<<20 {
		t.Errorf("heap grew by %d MiB", grown>>20)
	}

	// The stalled message, on a fresh connection: the 5-byte gRPC message
	// prefix, announcing a message that never comes.
	c2 := dialH2(t, srv.GRPCAddr().String())
	if err := c2.openStream(1); err != nil {
		t.Fatal(err)
	}
	c2.mu.Lock()
	err := c2.fr.WriteData(1, false, []byte{0, 0, 0, 0, 100})
	c2.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	testutil.Poll(t, 30*time.Second, "the stalled stream ends", func() bool { _, ok := c2.endedAs(1); return ok })
	how, _ := c2.endedAs(1)
	t.Logf("the stalled stream ended as %s", how)
	if how != "grpc-status:4" {
		t.Errorf("stalled stream ended as %s, want DEADLINE_EXCEEDED", how)
	}
	// And every goroutine the attack started is gone again.
	testutil.Poll(t, 30*time.Second, "goroutines return to their level before the attack", func() bool {
		return runtime.NumGoroutine() <= goroutinesBefore+20
	})
}

// TestHeaderLimit: the HTTP listener answers 431 above the documented
// 16 KiB of request headers, and serves requests below it.
func TestHeaderLimit(t *testing.T) {
	srv := startDev(t, server.Config{})
	for size, want := range map[int]int{15 << 10: http.StatusOK, 17 << 10: http.StatusRequestHeaderFieldsTooLarge} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+srv.HTTPAddr().String()+"/healthz", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Padding", strings.Repeat("p", size))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%d bytes of headers: %v", size, err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%d bytes of headers: %d, want %d", size, resp.StatusCode, want)
		}
	}
}
