package server

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/platform/telegent-facade/internal/testutil"
)

// inprocService is driven by its request's payload body: what the server
// side saw is reported in the answer, or it fails in the way asked.
type inprocService struct {
	testgrpc.UnimplementedTestServiceServer
	// seen gets the server side's context of every call.
	seen chan context.Context
	// started is closed (once) when a call that waits for its context is in.
	started chan struct{}
}

func (s *inprocService) UnaryCall(ctx context.Context, req *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
	if s.seen != nil {
		s.seen <- ctx
	}
	switch string(req.GetPayload().GetBody()) {
	case "panic":
		panic("the handler broke")
	case "wait":
		close(s.started)
		<-ctx.Done()
		return nil, ctx.Err()
	case "deadline":
		// What the webhook service does when the caller's deadline has
		// passed: its own status, with details.
		if ctx.Err() == nil {
			return nil, status.Error(codes.Internal, "the deadline had not passed")
		}
		st, _ := status.New(codes.DeadlineExceeded, "the service saw the deadline").
			WithDetails(&errdetails.ErrorInfo{Reason: "SERVICE_DEADLINE", Domain: "test"})
		return nil, st.Err()
	case "metadata":
		_ = grpc.SetHeader(ctx, metadata.Pairs("h1", "a"))
		_ = grpc.SetHeader(ctx, metadata.Pairs("h1", "b"))
		_ = grpc.SetTrailer(ctx, metadata.Pairs("t1", "c"))
		return nil, status.Error(codes.FailedPrecondition, "with trailers")
	case "stack":
		return &testgrpc.SimpleResponse{Username: string(debug.Stack())}, nil
	case "mutate":
		req.Payload.Body = []byte("changed by the service")
		return &testgrpc.SimpleResponse{Payload: req.GetPayload()}, nil
	}
	md, _ := metadata.FromIncomingContext(ctx)
	p, _ := peer.FromContext(ctx)
	method, _ := grpc.Method(ctx)
	out, _ := metadata.FromOutgoingContext(ctx)
	hasOutgoing := len(out) > 0
	return &testgrpc.SimpleResponse{
		Payload:  req.GetPayload(),
		Username: strings.Join(md.Get("x-test"), ",") + "|" + p.Addr.Network() + "|" + method,
		OauthScope: map[bool]string{true: "outgoing metadata visible", false: ""}[hasOutgoing] +
			ctxValue(ctx),
	}, nil
}

type testValueKey struct{}

func ctxValue(ctx context.Context) string {
	v, _ := ctx.Value(testValueKey{}).(string)
	return v
}

// inprocFixture is an inprocConn serving inprocService through the
// recovery interceptor and an interceptor that records what it saw, as the
// facade's chain does; its log is logs.
func inprocFixture(t *testing.T) (*inprocConn, *inprocService, *[]string, *testutil.SyncBuffer) {
	t.Helper()
	logs := &testutil.SyncBuffer{}
	var seen []string
	record := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		st, ok := status.FromError(err)
		if !ok {
			st = status.FromContextError(err)
		}
		seen = append(seen, info.FullMethod+" "+st.Code().String())
		return resp, err
	}
	conn := newInprocConn([]grpc.UnaryServerInterceptor{record, recoveryInterceptor(slog.New(slog.NewJSONHandler(logs, nil)))})
	svc := &inprocService{started: make(chan struct{})}
	conn.RegisterService(&testgrpc.TestService_ServiceDesc, svc)
	return conn, svc, &seen, logs
}

func payload(body string) *testgrpc.SimpleRequest {
	return &testgrpc.SimpleRequest{Payload: &testgrpc.Payload{Body: []byte(body)}}
}

func TestInprocMetadataPeerAndMethod(t *testing.T) {
	t.Parallel()
	conn, _, seen, _ := inprocFixture(t)
	client := testgrpc.NewTestServiceClient(conn)
	ctx := metadata.AppendToOutgoingContext(t.Context(), "x-test", "one", "x-test", "two")
	ctx = context.WithValue(ctx, testValueKey{}, "caller's value")
	var p peer.Peer
	resp, err := client.UnaryCall(ctx, payload("echo"), grpc.Peer(&p))
	if err != nil {
		t.Fatal(err)
	}
	// Outgoing metadata arrives as incoming (and only so), the peer is the
	// in-process one, grpc.Method works, and the caller's values are seen.
	if got, want := resp.GetUsername(), "one,two|inproc|/grpc.testing.TestService/UnaryCall"; got != want {
		t.Errorf("server saw %q, want %q", got, want)
	}
	if got := resp.GetOauthScope(); got != "caller's value" {
		t.Errorf("server side: %q, want only the caller's value", got)
	}
	if p.Addr == nil || p.Addr.Network() != "inproc" {
		t.Errorf("peer call option: %v", p.Addr)
	}
	if string(resp.GetPayload().GetBody()) != "echo" {
		t.Errorf("payload %q", resp.GetPayload().GetBody())
	}
	if want := []string{"/grpc.testing.TestService/UnaryCall OK"}; !cmp.Equal(*seen, want) {
		t.Errorf("interceptor saw %v, want %v", *seen, want)
	}
}

func TestInprocHeadersAndTrailers(t *testing.T) {
	t.Parallel()
	conn, _, _, _ := inprocFixture(t)
	var header, trailer metadata.MD
	_, err := testgrpc.NewTestServiceClient(conn).UnaryCall(t.Context(), payload("metadata"), grpc.Header(&header), grpc.Trailer(&trailer))
	if status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("err %v", err)
	}
	if got := header.Get("h1"); !cmp.Equal(got, []string{"a", "b"}) {
		t.Errorf("header h1 %v", got)
	}
	if got := trailer.Get("t1"); !cmp.Equal(got, []string{"c"}) {
		t.Errorf("trailer t1 %v", got)
	}
}

func TestInprocMetadataRefusedAfterTheCall(t *testing.T) {
	t.Parallel()
	conn, svc, _, _ := inprocFixture(t)
	svc.seen = make(chan context.Context, 1)
	if _, err := testgrpc.NewTestServiceClient(conn).UnaryCall(t.Context(), payload("echo")); err != nil {
		t.Fatal(err)
	}
	ctx := <-svc.seen
	if err := grpc.SetHeader(ctx, metadata.Pairs("late", "x")); err == nil {
		t.Error("SetHeader after the call returned: no error")
	}
	if err := grpc.SetTrailer(ctx, metadata.Pairs("late", "x")); err == nil {
		t.Error("SetTrailer after the call returned: no error")
	}
}

func TestInprocRunsOnTheCallersGoroutine(t *testing.T) {
	t.Parallel()
	conn, _, _, _ := inprocFixture(t)
	resp, err := testgrpc.NewTestServiceClient(conn).UnaryCall(t.Context(), payload("stack"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(resp.GetUsername(), "TestInprocRunsOnTheCallersGoroutine") {
		t.Errorf("the handler's stack does not hold the caller:\n%s", resp.GetUsername())
	}
}

func TestInprocCopiesTheRequest(t *testing.T) {
	t.Parallel()
	conn, _, _, _ := inprocFixture(t)
	req := payload("mutate")
	resp, err := testgrpc.NewTestServiceClient(conn).UnaryCall(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if string(req.GetPayload().GetBody()) != "mutate" {
		t.Errorf("the service changed the caller's request: %q", req.GetPayload().GetBody())
	}
	if string(resp.GetPayload().GetBody()) != "changed by the service" {
		t.Errorf("response %q", resp.GetPayload().GetBody())
	}
}

func TestInprocDeadlineAnsweredByTheService(t *testing.T) {
	t.Parallel()
	conn, _, seen, _ := inprocFixture(t)
	ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	_, err := testgrpc.NewTestServiceClient(conn).UnaryCall(ctx, payload("deadline"))
	// The service's own status, with its details: no bare
	// DEADLINE_EXCEEDED from the connection racing it.
	st := status.Convert(err)
	if st.Code() != codes.DeadlineExceeded || st.Message() != "the service saw the deadline" || len(st.Details()) != 1 {
		t.Errorf("got %v %q %v", st.Code(), st.Message(), st.Details())
	}
	if want := []string{"/grpc.testing.TestService/UnaryCall DeadlineExceeded"}; !cmp.Equal(*seen, want) {
		t.Errorf("interceptor saw %v, want %v", *seen, want)
	}
}

func TestInprocDeadlineSeenByTheService(t *testing.T) {
	t.Parallel()
	conn, svc, _, _ := inprocFixture(t)
	svc.seen = make(chan context.Context, 1)
	deadline := time.Now().Add(time.Hour)
	ctx, cancel := context.WithDeadline(t.Context(), deadline)
	defer cancel()
	if _, err := testgrpc.NewTestServiceClient(conn).UnaryCall(ctx, payload("echo")); err != nil {
		t.Fatal(err)
	}
	if got, ok := (<-svc.seen).Deadline(); !ok || !got.Equal(deadline) {
		t.Errorf("server side's deadline %v %v, want %v", got, ok, deadline)
	}
}

func TestInprocCancellation(t *testing.T) {
	t.Parallel()
	conn, svc, seen, _ := inprocFixture(t)
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-svc.started
		cancel()
	}()
	_, err := testgrpc.NewTestServiceClient(conn).UnaryCall(ctx, payload("wait"))
	if status.Code(err) != codes.Canceled {
		t.Errorf("got %v, want CANCELED", err)
	}
	if want := []string{"/grpc.testing.TestService/UnaryCall Canceled"}; !cmp.Equal(*seen, want) {
		t.Errorf("interceptor saw %v, want %v", *seen, want)
	}
}

func TestInprocPanicThroughRecovery(t *testing.T) {
	t.Parallel()
	conn, _, seen, logs := inprocFixture(t)
	_, err := testgrpc.NewTestServiceClient(conn).UnaryCall(t.Context(), payload("panic"))
	if st := status.Convert(err); st.Code() != codes.Internal || st.Message() != "internal error" {
		t.Errorf("got %v", err)
	}
	if want := []string{"/grpc.testing.TestService/UnaryCall Internal"}; !cmp.Equal(*seen, want) {
		t.Errorf("interceptor saw %v, want %v", *seen, want)
	}
	if !strings.Contains(logs.String(), "the handler broke") {
		t.Errorf("panic not logged: %s", logs.String())
	}
}

func TestInprocUnknownMethodAndStreams(t *testing.T) {
	t.Parallel()
	conn, _, _, _ := inprocFixture(t)
	err := conn.Invoke(t.Context(), "/grpc.testing.TestService/NoSuchMethod", payload(""), &testgrpc.SimpleResponse{})
	if status.Code(err) != codes.Unimplemented {
		t.Errorf("unknown method: %v", err)
	}
	// A registered method called with the wrong reply type.
	err = conn.Invoke(t.Context(), "/grpc.testing.TestService/UnaryCall", payload("echo"), &testgrpc.Empty{})
	if status.Code(err) != codes.Internal {
		t.Errorf("wrong reply type: %v", err)
	}
	_, err = testgrpc.NewTestServiceClient(conn).FullDuplexCall(t.Context())
	if status.Code(err) != codes.Unimplemented {
		t.Errorf("stream: %v", err)
	}
}

func TestInprocRegisterServiceChecks(t *testing.T) {
	t.Parallel()
	conn := newInprocConn(nil)
	conn.RegisterService(&testgrpc.TestService_ServiceDesc, &inprocService{})
	for name, register := range map[string]func(){
		"twice":              func() { conn.RegisterService(&testgrpc.TestService_ServiceDesc, &inprocService{}) },
		"wrong implementing": func() { conn.RegisterService(&testgrpc.TestService_ServiceDesc, struct{}{}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			register()
		}()
	}
}

// TestInprocListsWhatTheGRPCServerServes: every service the facade
// registers in process is served by the gRPC server with the same methods.
func TestInprocListsWhatTheGRPCServerServes(t *testing.T) {
	t.Parallel()
	cfg := Config{
		GRPCAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Dev: true,
		ShutdownGrace: 5 * time.Second, UpstreamTimeout: 5 * time.Second, MaxUpstream: 8,
		BreakerFailures: 5, BreakerFailureRatio: 0.5, BreakerOpenTimeout: time.Second,
	}
	srv := StartForTest(t, cfg, slog.New(slog.DiscardHandler), func(srv *Server) {
		srv.RegisterService(&testgrpc.TestService_ServiceDesc, &inprocService{})
	})
	inproc, grpcSide := srv.inproc.GetServiceInfo(), srv.grpcServer.GetServiceInfo()
	if len(inproc) != 2 {
		t.Errorf("in process: %d services, want the webhook service and the test service", len(inproc))
	}
	for name, info := range inproc {
		// grpc.Server lists a service's methods in no particular order.
		byName := cmpopts.SortSlices(func(a, b grpc.MethodInfo) bool { return a.Name < b.Name })
		if diff := cmp.Diff(grpcSide[name], info, byName); diff != "" {
			t.Errorf("%s (-gRPC server +in process):\n%s", name, diff)
		}
	}
}

// TestInprocResponseIsACopy: the caller owns its reply; the handler's
// message (which a handler may keep) is not shared with it.
func TestInprocResponseIsACopy(t *testing.T) {
	t.Parallel()
	kept := &testgrpc.SimpleResponse{Payload: &testgrpc.Payload{Body: []byte("kept")}}
	conn := newInprocConn(nil)
	conn.RegisterService(&testgrpc.TestService_ServiceDesc, keptService{resp: kept})
	resp, err := testgrpc.NewTestServiceClient(conn).UnaryCall(t.Context(), payload(""))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(kept, resp, protocmp.Transform()); diff != "" {
		t.Fatalf("reply differs: %s", diff)
	}
	resp.Payload.Body[0] = 'X'
	if string(kept.GetPayload().GetBody()) != "kept" {
		t.Errorf("changing the reply changed the handler's message: %v", kept)
	}
}

type keptService struct {
	testgrpc.UnimplementedTestServiceServer
	resp *testgrpc.SimpleResponse
}

func (s keptService) UnaryCall(context.Context, *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
	return s.resp, nil
}

// TestInprocContextErrorsAsStatus: a handler's bare context error becomes
// its code, anything else UNKNOWN, as a gRPC server answers.
func TestInprocContextErrorsAsStatus(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		err  error
		want codes.Code
	}{{context.DeadlineExceeded, codes.DeadlineExceeded}, {context.Canceled, codes.Canceled}, {errors.New("plain"), codes.Unknown}} {
		conn := newInprocConn(nil)
		conn.RegisterService(&testgrpc.TestService_ServiceDesc, errService{err: c.err})
		_, err := testgrpc.NewTestServiceClient(conn).UnaryCall(t.Context(), payload(""))
		if status.Code(err) != c.want {
			t.Errorf("%v: got %v, want %v", c.err, err, c.want)
		}
	}
}

type errService struct {
	testgrpc.UnimplementedTestServiceServer
	err error
}

func (s errService) UnaryCall(context.Context, *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
	return nil, s.err
}

// BenchmarkInprocUnary is the in-process connection's own cost per call:
// a pass-through interceptor and a handler that answers a fixed message,
// with the metadata and call options the gateway's generated handlers use.
func BenchmarkInprocUnary(b *testing.B) {
	pass := func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		return handler(ctx, req)
	}
	conn := newInprocConn([]grpc.UnaryServerInterceptor{pass})
	conn.RegisterService(&testgrpc.TestService_ServiceDesc, keptService{resp: &testgrpc.SimpleResponse{Username: "echo"}})
	client := testgrpc.NewTestServiceClient(conn)
	ctx := metadata.AppendToOutgoingContext(b.Context(), "x-forwarded-for", "127.0.0.1", "x-forwarded-host", "localhost")
	req := payload("echo")
	b.ReportAllocs()
	for b.Loop() {
		var header, trailer metadata.MD
		if _, err := client.UnaryCall(ctx, req, grpc.Header(&header), grpc.Trailer(&trailer)); err != nil {
			b.Fatal(err)
		}
	}
}
