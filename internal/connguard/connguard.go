// Package connguard keeps one client from holding a listener with
// connections that never finish their first request.
//
// A connection is pending from the moment it is accepted until the server
// has read its first complete request header block: an HTTP/1 request's
// headers, or the first HEADERS frame after the HTTP/2 preface and SETTINGS
// (h2, h2c and gRPC alike). Pending connections are the cheap ones to open
// and hold; started ones are bounded by the servers' own timeouts and
// stream limits. The Listener bounds both kinds together and the pending
// ones by client address:
//
//   - at most max connections are open; when a new connection arrives at
//     a full listener, the oldest pending connection (the slowest
//     handshake) is closed to admit it. When none is pending, Accept waits
//     for a connection to close, as netutil.LimitListener does;
//   - at most perClient connections from one client IP address (an IPv6
//     /64) are pending; a new one beyond that closes that address's oldest pending
//     connection.
//
// The servers report a connection's first request with Started, reached
// from the request's context: ConnContext puts the connection there for
// net/http, and StatsHandler for gRPC.
package connguard

import (
	"container/list"
	"context"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"

	"google.golang.org/grpc/stats"
)

// Listener is a net.Listener whose connections are bounded as the package
// describes.
type Listener struct {
	net.Listener
	max, perClient int

	mu      sync.Mutex
	open    int
	pending list.List // of *Conn, oldest first
	// byClient are each client address's pending connections, oldest first.
	byClient map[netip.Addr]*list.List
	evicted  atomic.Uint64

	freed  chan struct{} // a connection closed
	closed chan struct{}
	once   sync.Once
}

// New wraps l: at most max connections open, at most perClient of them
// pending per client IP address. Both must be positive.
func New(l net.Listener, max, perClient int) *Listener {
	return &Listener{
		Listener: l, max: max, perClient: perClient,
		byClient: map[netip.Addr]*list.List{},
		freed:    make(chan struct{}, 1),
		closed:   make(chan struct{}),
	}
}

// Accept waits until a connection can be admitted (a slot is free, or a
// pending connection can give up its own), accepts it, and closes the
// pending connections it displaces.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		l.mu.Lock()
		admit := l.open < l.max || l.pending.Len() > 0
		l.mu.Unlock()
		if admit {
			break
		}
		select {
		case <-l.freed:
		case <-l.closed:
			return nil, net.ErrClosed
		}
	}
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	c := &Conn{Conn: nc, l: l, key: nc.LocalAddr().String() + " " + nc.RemoteAddr().String()}
	if ap, err := netip.ParseAddrPort(nc.RemoteAddr().String()); err == nil {
		c.client = clientOf(ap.Addr())
	}
	var evict []*Conn
	l.mu.Lock()
	if q := l.byClient[c.client]; q != nil && q.Len() >= l.perClient {
		evict = append(evict, q.Front().Value.(*Conn))
		l.forgetLocked(evict[0])
	}
	// A pending connection that started between the check above and here
	// leaves none to displace: the listener then holds one more than max
	// until a connection closes.
	if l.open-len(evict) >= l.max && l.pending.Len() > 0 {
		oldest := l.pending.Front().Value.(*Conn)
		l.forgetLocked(oldest)
		evict = append(evict, oldest)
	}
	l.open++
	q := l.byClient[c.client]
	if q == nil {
		q = list.New()
		l.byClient[c.client] = q
	}
	c.elem, c.clientElem = l.pending.PushBack(c), q.PushBack(c)
	l.mu.Unlock()
	pendingByAddr.Store(c.key, c)
	for _, e := range evict {
		l.evicted.Add(1)
		_ = e.Close()
	}
	return c, nil
}

// clientOf is the client address a connection counts against: its IPv4
// address, or its IPv6 /64, the smallest network commonly given to one
// host or subscriber (one client could otherwise use a fresh address per
// connection).
func clientOf(a netip.Addr) netip.Addr {
	a = a.Unmap().WithZone("")
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.Addr()
	}
	return a
}

// forgetLocked takes c off the pending lists.
func (l *Listener) forgetLocked(c *Conn) {
	if c.elem == nil {
		return
	}
	l.pending.Remove(c.elem)
	q := l.byClient[c.client]
	q.Remove(c.clientElem)
	if q.Len() == 0 {
		delete(l.byClient, c.client)
	}
	pendingByAddr.CompareAndDelete(c.key, c)
	c.elem, c.clientElem = nil, nil
}

// Close closes the listener; a blocked Accept returns.
func (l *Listener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// Evicted is how many pending connections the listener has closed.
func (l *Listener) Evicted() uint64 { return l.evicted.Load() }

// Pending is how many connections have not started a request yet.
func (l *Listener) Pending() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pending.Len()
}

// Conn is an accepted connection, pending until Started.
type Conn struct {
	net.Conn
	l      *Listener
	client netip.Addr
	key    string // local and remote address
	// elem and clientElem are the connection's places in the pending
	// lists, nil once it started or closed; guarded by l.mu.
	elem, clientElem *list.Element
	started          atomic.Bool
	closeOnce        sync.Once
}

// Started marks the connection's first request as read: it is no longer
// pending. Later calls cost an atomic load.
func (c *Conn) Started() {
	if c.started.Load() || !c.started.CompareAndSwap(false, true) {
		return
	}
	c.l.mu.Lock()
	c.l.forgetLocked(c)
	c.l.mu.Unlock()
}

// Close closes the connection and frees its slot, once.
func (c *Conn) Close() error {
	err := c.Conn.Close()
	c.closeOnce.Do(func() {
		c.l.mu.Lock()
		c.l.forgetLocked(c)
		c.l.open--
		c.l.mu.Unlock()
		select {
		case c.l.freed <- struct{}{}:
		default:
		}
	})
	return err
}

type connKey struct{}

// ConnContext is an http.Server's ConnContext: it puts c's guarded
// connection, under TLS if any, in the context of its requests.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	for {
		if gc, ok := c.(*Conn); ok {
			return context.WithValue(ctx, connKey{}, gc)
		}
		u, ok := c.(interface{ NetConn() net.Conn })
		if !ok {
			return ctx
		}
		c = u.NetConn()
	}
}

// Started marks the connection of a request's context (see ConnContext and
// StatsHandler) as started.
func Started(ctx context.Context) {
	if c, ok := ctx.Value(connKey{}).(*Conn); ok {
		c.Started()
	}
}

// Handler marks each request's connection started before next serves it:
// net/http calls handlers once a request's headers are read, over HTTP/1
// and HTTP/2 alike.
func Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Started(r.Context())
		next.ServeHTTP(w, r)
	})
}

// pendingByAddr finds a pending connection of any Listener by its local
// and remote addresses, for gRPC, whose stats handler is told addresses,
// not connections.
var pendingByAddr sync.Map

// StatsHandler is a gRPC stats handler that marks a connection of a
// Listener started when the headers of its first call arrive.
func StatsHandler() stats.Handler { return grpcStats{} }

type grpcStats struct{}

// TagConn finds the guarded connection once, when gRPC has finished its
// handshake; the calls' contexts derive from the one returned.
func (grpcStats) TagConn(ctx context.Context, info *stats.ConnTagInfo) context.Context {
	if info.RemoteAddr == nil || info.LocalAddr == nil {
		return ctx
	}
	c, ok := pendingByAddr.Load(info.LocalAddr.String() + " " + info.RemoteAddr.String())
	if !ok {
		return ctx
	}
	return context.WithValue(ctx, connKey{}, c)
}

func (grpcStats) HandleConn(context.Context, stats.ConnStats) {}

func (grpcStats) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }

func (grpcStats) HandleRPC(ctx context.Context, s stats.RPCStats) {
	if _, ok := s.(*stats.InHeader); ok {
		Started(ctx)
	}
}
