package server

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// inprocConn runs unary calls to the services registered on it as function
// calls, on the caller's goroutine, through the same interceptor chain as
// the gRPC server: no network hop, no goroutine, no channel per call. It is
// generic over services: RegisterService takes any generated
// grpc.ServiceDesc, and each method's generated handler decodes, chains
// and dispatches exactly as it does for grpc-go.
//
// The server side of a call sees the caller's context (its deadline,
// cancellation and values: the REST call record, the caller's credentials,
// the trace context), the caller's outgoing metadata as incoming metadata,
// an in-process peer, and a ServerTransportStream, so that grpc.Method,
// grpc.SetHeader and grpc.SetTrailer work; headers and trailers reach the
// caller's grpc.Header and grpc.Trailer call options. Because the call runs
// on the caller's goroutine, an expired deadline or a cancellation is seen
// by the service itself, which answers with its own status and details;
// the caller waits for that answer (every handler here honours its context).
//
// Stats handlers and tap handles are not interceptors: they are the gRPC
// server's and do not run here (see Chain).
type inprocConn struct {
	interceptor grpc.UnaryServerInterceptor
	mu          sync.RWMutex // guards methods and services (registration is before serving)
	methods     map[string]inprocMethod
	services    map[string]grpc.ServiceInfo
}

// inprocMethod is one unary method: the generated handler and the service
// implementation it is called on.
type inprocMethod struct {
	impl    any
	handler grpc.MethodHandler
}

var (
	_ grpc.ClientConnInterface = (*inprocConn)(nil)
	_ grpc.ServiceRegistrar    = (*inprocConn)(nil)
)

// newInprocConn returns a connection whose calls run through chain, the
// first interceptor outermost.
func newInprocConn(chain []grpc.UnaryServerInterceptor) *inprocConn {
	return &inprocConn{
		interceptor: chainUnaryInterceptors(chain),
		methods:     map[string]inprocMethod{},
		services:    map[string]grpc.ServiceInfo{},
	}
}

// RegisterService serves desc's unary methods, implemented by impl. Like
// grpc.Server's, it panics if impl does not implement desc's interface or
// if the service is registered twice.
func (c *inprocConn) RegisterService(desc *grpc.ServiceDesc, impl any) {
	if impl != nil {
		ht := reflect.TypeOf(desc.HandlerType).Elem()
		if !reflect.TypeOf(impl).Implements(ht) {
			panic(fmt.Sprintf("in-process RegisterService: %T does not implement %v", impl, ht))
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.services[desc.ServiceName]; ok {
		panic(fmt.Sprintf("in-process RegisterService: service %s registered twice", desc.ServiceName))
	}
	info := grpc.ServiceInfo{Metadata: desc.Metadata}
	for _, m := range desc.Methods {
		c.methods["/"+desc.ServiceName+"/"+m.MethodName] = inprocMethod{impl: impl, handler: m.Handler}
		info.Methods = append(info.Methods, grpc.MethodInfo{Name: m.MethodName})
	}
	for _, s := range desc.Streams {
		info.Methods = append(info.Methods, grpc.MethodInfo{Name: s.StreamName, IsClientStream: s.ClientStreams, IsServerStream: s.ServerStreams})
	}
	c.services[desc.ServiceName] = info
}

// GetServiceInfo lists the registered services and their methods, as
// grpc.Server.GetServiceInfo does.
func (c *inprocConn) GetServiceInfo() map[string]grpc.ServiceInfo {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make(map[string]grpc.ServiceInfo, len(c.services))
	for name, info := range c.services {
		out[name] = info
	}
	return out
}

// inprocPeer is the peer of every in-process call. A REST caller's
// credentials (its bearer token and verified client certificate) reach
// authentication from the HTTP layer (auth.WithCredentials), not from here.
var inprocPeer = peer.Peer{Addr: inprocAddr{}}

type inprocAddr struct{}

func (inprocAddr) Network() string { return "inproc" }
func (inprocAddr) String() string  { return "inproc" }

// Invoke runs a unary call: the request is copied into the message the
// generated handler allocates (the caller keeps its own and may reuse it),
// the handler runs with the chain on this goroutine, and the answer is
// merged into reply. Neither message is encoded.
func (c *inprocConn) Invoke(ctx context.Context, method string, req, reply any, opts ...grpc.CallOption) error {
	if !strings.HasPrefix(method, "/") {
		method = "/" + method
	}
	c.mu.RLock()
	m, ok := c.methods[method]
	c.mu.RUnlock()
	if !ok {
		return status.Errorf(codes.Unimplemented, "unknown method %s", method)
	}
	in, ok := req.(proto.Message)
	if !ok || in == nil || !in.ProtoReflect().IsValid() {
		return status.Error(codes.Internal, "request is not a protobuf message")
	}
	out, ok := reply.(proto.Message)
	if !ok || out == nil {
		return status.Error(codes.Internal, "reply is not a protobuf message")
	}

	stream := &inprocStream{method: method, req: in}
	sctx := serverContext(ctx, stream)
	resp, err := m.handler(m.impl, sctx, stream.decode, c.interceptor)
	stream.finish()
	for _, o := range opts {
		switch o := o.(type) {
		case grpc.HeaderCallOption:
			*o.HeaderAddr = stream.headers
		case grpc.TrailerCallOption:
			*o.TrailerAddr = stream.trailers
		case grpc.PeerCallOption:
			*o.PeerAddr = inprocPeer
		}
	}
	if err != nil {
		// As grpc-go's server does: a status as is, a context error as
		// its code, anything else UNKNOWN.
		if _, ok := status.FromError(err); !ok {
			return status.FromContextError(err).Err()
		}
		return err
	}
	got, ok := resp.(proto.Message)
	if !ok || got == nil || !got.ProtoReflect().IsValid() {
		return status.Error(codes.Internal, "handler returned neither an error nor a response")
	}
	if got.ProtoReflect().Descriptor() != out.ProtoReflect().Descriptor() {
		return status.Errorf(codes.Internal, "handler returned %s, caller expects %s",
			got.ProtoReflect().Descriptor().FullName(), out.ProtoReflect().Descriptor().FullName())
	}
	// A copy, not the handler's message: a handler may keep the message it
	// returns (gRPC only reads it), while the caller owns reply.
	proto.Reset(out)
	proto.Merge(out, got)
	return nil
}

// NewStream refuses streaming calls: no REST route needs them.
func (c *inprocConn) NewStream(context.Context, *grpc.StreamDesc, string, ...grpc.CallOption) (grpc.ClientStream, error) {
	return nil, status.Error(codes.Unimplemented, "streaming calls are not served in process")
}

// serverContext is the server side's context of a call from ctx: ctx's
// outgoing metadata becomes incoming (and is no longer outgoing), the peer
// is the in-process one, and stream is the transport stream.
func serverContext(ctx context.Context, stream *inprocStream) context.Context {
	if md, ok := metadata.FromOutgoingContext(ctx); ok {
		ctx = metadata.NewOutgoingContext(metadata.NewIncomingContext(ctx, md), nil)
	} else {
		ctx = metadata.NewIncomingContext(ctx, nil)
	}
	ctx = peer.NewContext(ctx, &inprocPeer)
	return grpc.NewContextWithServerTransportStream(ctx, stream)
}

// inprocStream is a unary call's grpc.ServerTransportStream: it collects
// the headers and trailers the chain and the service set, until the call
// returns.
type inprocStream struct {
	method string
	req    proto.Message

	mu                 sync.Mutex // a handler may set metadata from another goroutine
	headers, trailers  metadata.MD
	headerSent, closed bool
}

var errStreamDone = errors.New("the call has returned: metadata can no longer be sent")

// decode is the generated handler's dec: it copies the request into the
// handler's message.
func (s *inprocStream) decode(v any) error {
	dst, ok := v.(proto.Message)
	if !ok || dst.ProtoReflect().Descriptor() != s.req.ProtoReflect().Descriptor() {
		return status.Errorf(codes.Internal, "request is a %s, the method takes %T", s.req.ProtoReflect().Descriptor().FullName(), v)
	}
	proto.Merge(dst, s.req)
	return nil
}

func (s *inprocStream) Method() string { return s.method }

func (s *inprocStream) SetHeader(md metadata.MD) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.headerSent || s.closed {
		return errStreamDone
	}
	s.headers = joinMD(s.headers, md)
	return nil
}

func (s *inprocStream) SendHeader(md metadata.MD) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.headerSent || s.closed {
		return errStreamDone
	}
	s.headers = joinMD(s.headers, md)
	s.headerSent = true
	return nil
}

func (s *inprocStream) SetTrailer(md metadata.MD) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errStreamDone
	}
	s.trailers = joinMD(s.trailers, md)
	return nil
}

// finish ends the call: later metadata is refused, as once a gRPC
// server's answer is written.
func (s *inprocStream) finish() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
}

// joinMD appends md's values to dst's, allocating dst if needed.
func joinMD(dst, md metadata.MD) metadata.MD {
	if len(md) == 0 {
		return dst
	}
	if dst == nil {
		dst = make(metadata.MD, len(md))
	}
	for k, v := range md {
		k = strings.ToLower(k)
		dst[k] = append(dst[k], v...)
	}
	return dst
}

// chainUnaryInterceptors composes interceptors into one, the first
// outermost, as grpc.ChainUnaryInterceptor does for the gRPC server.
func chainUnaryInterceptors(chain []grpc.UnaryServerInterceptor) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		for i := len(chain) - 1; i >= 0; i-- {
			ic, next := chain[i], handler
			handler = func(ctx context.Context, req any) (any, error) { return ic(ctx, req, info, next) }
		}
		return handler(ctx, req)
	}
}
