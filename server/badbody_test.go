package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"

	telegentfacade "github.com/platform/telegent-facade"
	webhookv1 "github.com/platform/telegent-facade/gen/telegent/webhook/v1"
	"github.com/platform/telegent-facade/internal/example"
	"github.com/platform/telegent-facade/server"
)

// gzipZeros compresses n zero bytes, streaming: the n bytes are never held.
func gzipZeros(t *testing.T, n int64, level int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, level)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(zw, zeros{}, n); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func envelope(flags byte, msg []byte) []byte {
	return append(binary.BigEndian.AppendUint32([]byte{flags}, uint32(len(msg))), msg...)
}

// badBody is one bad request body, as each protocol sends it.
type badBody struct {
	// raw is the body's message: protobuf for gRPC, gRPC-Web and Connect,
	// JSON for REST (json); gzipped says it is compressed.
	raw, json []byte
	gzipped   bool
	want      codes.Code
}

// answer is what a protocol answered: its code, HTTP status and message.
type answer struct {
	code       codes.Code
	httpStatus int
	message    string
}

const createPath = "/telegent.webhook.v1.WebhookService/CreateWebhook"

func postRaw(t *testing.T, client *http.Client, url string, header http.Header, body []byte) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	return resp
}

// grpcAnswer reads grpc-status from the headers (trailers-only) or the
// trailers, or from gRPC-Web's trailer frame in the body.
func grpcAnswer(t *testing.T, resp *http.Response) answer {
	t.Helper()
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	get := func(k string) string {
		if v := resp.Header.Get(k); v != "" {
			return v
		}
		if v := resp.Trailer.Get(k); v != "" {
			return v
		}
		// gRPC-Web: the last frame, flagged 0x80, holds the trailers.
		for b := body; len(b) >= 5; {
			n := binary.BigEndian.Uint32(b[1:5])
			if int(n) > len(b)-5 {
				break
			}
			if b[0]&0x80 != 0 {
				for line := range strings.SplitSeq(string(b[5:5+n]), "\r\n") {
					if name, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(strings.TrimSpace(name), k) {
						return strings.TrimSpace(v)
					}
				}
			}
			b = b[5+n:]
		}
		return ""
	}
	code, err := strconv.Atoi(get("Grpc-Status"))
	if err != nil {
		t.Fatalf("no grpc-status: HTTP %d %v %q", resp.StatusCode, resp.Header, body)
	}
	msg, _ := url.PathUnescape(get("Grpc-Message"))
	return answer{codes.Code(code), resp.StatusCode, msg}
}

// TestBadBodiesOneStatusOnEveryProtocol: a body too large, a gzip bomb
// and a malformed body get the same code, a non-retryable one, with a fixed
// message on gRPC, gRPC-Web, Connect and REST alike.
func TestBadBodiesOneStatusOnEveryProtocol(t *testing.T) {
	srv := startDev(t, server.Config{})
	grpcURL := "http://" + srv.GRPCAddr().String() + createPath
	httpBase := "http://" + srv.HTTPAddr().String()
	prior := new(http.Protocols)
	prior.SetUnencryptedHTTP2(true) // HTTP/2 with prior knowledge, as gRPC speaks it
	h2c := &http.Client{Transport: &http.Transport{Protocols: prior}}
	h1 := &http.Client{}

	oneMB := bytes.Repeat([]byte("a"), 1<<20)
	bomb200 := gzipZeros(t, 200<<20, gzip.BestSpeed)
	bomb10 := gzipZeros(t, 10<<20, gzip.BestCompression) // small enough compressed to be read whole
	if len(bomb10) > server.DefaultMaxRequestBytes {
		t.Fatalf("the 10 MB bomb is %d bytes compressed", len(bomb10))
	}
	// Field 1 (account_id), bytes: a 1 MB string.
	bigProto := append(binary.AppendUvarint([]byte{0x0a}, uint64(len(oneMB))), oneMB...)
	bigJSON := []byte(`{"accountId":"` + string(oneMB) + `"}`)
	bodies := map[string]badBody{
		"1 MB":              {raw: bigProto, json: bigJSON, want: codes.ResourceExhausted},
		"200 MB gzip bomb":  {raw: bomb200, json: bomb200, gzipped: true, want: codes.ResourceExhausted},
		"10 MB gzip bomb":   {raw: bomb10, json: bomb10, gzipped: true, want: codes.ResourceExhausted},
		"malformed":         {raw: []byte{0x0a, 0xff, 0xff, 0xff}, json: []byte(`{"accountId":`), want: codes.InvalidArgument},
		"malformed gzipped": {raw: []byte("\x1f\x8b not gzip"), json: []byte("\x1f\x8b not gzip"), gzipped: true, want: codes.InvalidArgument},
	}
	protocols := map[string]func(t *testing.T, b badBody) answer{
		"grpc": func(t *testing.T, b badBody) answer {
			h := http.Header{"Content-Type": {"application/grpc"}, "Te": {"trailers"}}
			flags := byte(0)
			if b.gzipped {
				h.Set("Grpc-Encoding", "gzip")
				flags = 1
			}
			return grpcAnswer(t, postRaw(t, h2c, grpcURL, h, envelope(flags, b.raw)))
		},
		"grpc-web": func(t *testing.T, b badBody) answer {
			h := http.Header{"Content-Type": {"application/grpc-web+proto"}}
			flags := byte(0)
			if b.gzipped {
				h.Set("Grpc-Encoding", "gzip")
				flags = 1
			}
			return grpcAnswer(t, postRaw(t, h1, httpBase+createPath, h, envelope(flags, b.raw)))
		},
		"connect": func(t *testing.T, b badBody) answer {
			h := http.Header{"Content-Type": {"application/proto"}, "Connect-Protocol-Version": {"1"}}
			if b.gzipped {
				h.Set("Content-Encoding", "gzip")
			}
			resp := postRaw(t, h1, httpBase+createPath, h, b.raw)
			defer resp.Body.Close()
			var e struct{ Code, Message string }
			_ = json.NewDecoder(resp.Body).Decode(&e)
			var c codes.Code
			if err := c.UnmarshalJSON([]byte(`"` + strings.ToUpper(e.Code) + `"`)); err != nil {
				t.Fatalf("Connect code %q: %v", e.Code, err)
			}
			return answer{c, resp.StatusCode, e.Message}
		},
		"rest": func(t *testing.T, b badBody) answer {
			h := http.Header{"Content-Type": {"application/json"}}
			if b.gzipped {
				h.Set("Content-Encoding", "gzip")
			}
			resp := postRaw(t, h1, httpBase+"/v1/webhooks", h, b.json)
			defer resp.Body.Close()
			var e struct {
				Code    codes.Code
				Message string
			}
			_ = json.NewDecoder(resp.Body).Decode(&e)
			return answer{e.Code, resp.StatusCode, e.Message}
		},
	}
	fixed := map[codes.Code]string{codes.ResourceExhausted: "request body is too large", codes.InvalidArgument: "request body is malformed"}
	for bname, b := range bodies {
		for pname, call := range protocols {
			t.Run(bname+"/"+pname, func(t *testing.T) {
				got := call(t, b)
				wantHTTP := map[codes.Code]int{codes.ResourceExhausted: http.StatusRequestEntityTooLarge, codes.InvalidArgument: http.StatusBadRequest}[b.want]
				want := b.want
				if pname == "grpc" || pname == "grpc-web" {
					wantHTTP = http.StatusOK // the code is in grpc-status
				}
				if pname == "grpc" && want == codes.InvalidArgument {
					want = codes.Internal // grpc-go's own answer, see below
				}
				if got.code != want || got.httpStatus != wantHTTP {
					t.Errorf("answered %v, HTTP %d (%q); want %v, HTTP %d", got.code, got.httpStatus, got.message, want, wantHTTP)
				}
				if pname == "grpc" {
					// On the gRPC port grpc-go reads, decompresses and
					// decodes the message, and answers before any of the
					// facade's code runs, in its own words: size with
					// RESOURCE_EXHAUSTED, a broken message or compressed
					// stream with INTERNAL. Neither is retried by the
					// published policy (see SECURITY.md).
					if !strings.HasPrefix(got.message, "grpc: ") {
						t.Errorf("message %q", got.message)
					}
					return
				}
				if pname == "rest" && b.want == codes.InvalidArgument {
					// A JSON body that does not decode is a field
					// violation (see fielderrors_test.go), with a message
					// written for people, never the decoder's text.
					if !strings.HasPrefix(got.message, "invalid request: ") && got.message != fixed[b.want] {
						t.Errorf("message %q, want the field violations' message", got.message)
					}
					return
				}
				if got.message != fixed[b.want] {
					t.Errorf("message %q, want %q", got.message, fixed[b.want])
				}
			})
		}
	}
}

// TestBadConnectTimeout: a Connect-Timeout-Ms Connect does not allow is
// INVALID_ARGUMENT with a fixed message, not strconv's text.
func TestBadConnectTimeout(t *testing.T) {
	srv := startDev(t, server.Config{})
	for _, v := range []string{"12345678901234567890", "-1", "1e3", "12345678901"} {
		h := http.Header{"Content-Type": {"application/json"}, "Connect-Protocol-Version": {"1"}, "Connect-Timeout-Ms": {v}}
		resp := postRaw(t, http.DefaultClient, "http://"+srv.HTTPAddr().String()+createPath, h, []byte(`{}`))
		var e struct{ Code, Message string }
		_ = json.NewDecoder(resp.Body).Decode(&e)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || e.Code != "invalid_argument" || e.Message != "Connect-Timeout-Ms must be at most 10 digits" {
			t.Errorf("Connect-Timeout-Ms %q: HTTP %d %+v", v, resp.StatusCode, e)
		}
	}
}

// attempts counts a client's attempts at a call (retries included).
type attempts struct{ n atomic.Int64 }

func (a *attempts) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }
func (a *attempts) HandleRPC(_ context.Context, s stats.RPCStats) {
	if _, ok := s.(*stats.Begin); ok {
		a.n.Add(1)
	}
}
func (a *attempts) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }
func (a *attempts) HandleConn(context.Context, stats.ConnStats)                       {}

// TestBadBodyIsNotRetried: a client with the published service config
// (its retry policy) tries a too-large request once.
func TestBadBodyIsNotRetried(t *testing.T) {
	srv := startDev(t, server.Config{})
	var a attempts
	conn, err := grpc.NewClient(srv.GRPCAddr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultServiceConfig(telegentfacade.ServiceConfig), grpc.WithStatsHandler(&a))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := example.Request()
	req.AccountId = strings.Repeat("7", 1<<20)
	_, err = webhookv1.NewWebhookServiceClient(conn).CreateWebhook(t.Context(), req)
	if status.Code(err) != codes.ResourceExhausted || a.n.Load() != 1 {
		t.Errorf("answered %v after %d attempts; want RESOURCE_EXHAUSTED after 1", err, a.n.Load())
	}
}
