package server

import (
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/tap"
)

// streamDeadline gives every gRPC stream without a deadline the default
// one from the moment its headers arrive, rather than once its whole
// request has (when the deadline interceptor would run). A caller that
// opens streams and sends nothing, or half a message, cannot hold them,
// and their goroutines, for longer than that. Its tap sets the deadline
// (only a tap's context bounds the transport's reads); as a stats handler
// it releases the deadline's timer when the stream ends.
type streamDeadline struct{ d time.Duration }

type streamCancelKey struct{}

// tap is the server's InTapHandle: it runs when a stream's headers have
// arrived, and the context it returns is the stream's.
func (s streamDeadline) tap(ctx context.Context, _ *tap.Info) (context.Context, error) {
	if _, ok := ctx.Deadline(); ok || s.d <= 0 {
		return ctx, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.d)
	return context.WithValue(ctx, streamCancelKey{}, cancel), nil
}

// TagRPC keeps the stream's context.
func (streamDeadline) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }

// HandleRPC releases the deadline's timer when the stream ends.
func (streamDeadline) HandleRPC(ctx context.Context, s stats.RPCStats) {
	if _, ok := s.(*stats.End); ok {
		if cancel, ok := ctx.Value(streamCancelKey{}).(context.CancelFunc); ok {
			cancel()
		}
	}
}

func (streamDeadline) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }

func (streamDeadline) HandleConn(context.Context, stats.ConnStats) {}

// limitHeaders answers 431 to requests whose request line and header
// fields, as sent on HTTP/1.1, take more than limit bytes. net/http's own
// MaxHeaderBytes check allows 4 KiB of slack above its setting (and
// HTTP/2 counts differently), so it alone would not hold the documented
// limit exactly; and when it refuses, it closes the connection with the
// rest of the request unread, which can reset the connection before the
// client reads the 431. So net/http's limit is set well above this one.
//
// Each refusal is counted in telegent_facade_http_refusals_total.
func limitHeaders(next http.Handler, limit int, m *metrics) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		size := len(r.Method) + len(r.RequestURI) + len(r.Proto) + 4 + len("Host: ") + len(r.Host) + 2
		for name, values := range r.Header {
			for _, v := range values {
				size += len(name) + len(v) + 4 // ": " and CRLF
			}
		}
		if size > limit {
			// Read what is left of a small body, so that closing the
			// connection does not reset it before the answer is read.
			_, _ = io.CopyN(io.Discard, r.Body, DefaultMaxRequestBytes)
			w.Header().Set("Connection", "close")
			http.Error(w, "431 Request Header Fields Too Large", http.StatusRequestHeaderFieldsTooLarge)
			m.refused(pathProtocol(r), http.StatusRequestHeaderFieldsTooLarge)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// pathProtocol names the protocol of a request by its path, before routing:
// REST under /v1/, Connect, gRPC-Web or gRPC on the service's path, plain
// HTTP elsewhere (probes, metrics, the OpenAPI document).
func pathProtocol(r *http.Request) string {
	switch {
	case strings.HasPrefix(r.URL.Path, "/v1/"):
		return protocolREST
	case strings.HasPrefix(r.URL.Path, webServicePath):
		p, _ := webProtocol(r)
		return p
	default:
		return "http"
	}
}
