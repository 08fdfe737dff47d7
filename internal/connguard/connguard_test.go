package connguard

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"
)

func listen(t *testing.T, max, perClient int) *Listener {
	t.Helper()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := New(inner, max, perClient)
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// dial connects from source (a loopback address: Linux routes 127/8 to lo).
func dial(t *testing.T, l *Listener, source string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(source)}}
	c, err := d.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func accept(t *testing.T, l *Listener) *Conn {
	t.Helper()
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c.(*Conn)
}

// closedByServer reports whether the server closed c: a read ends with
// EOF (or a reset) instead of timing out.
func closedByServer(t *testing.T, c net.Conn) bool {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := c.Read(make([]byte, 1))
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false
	}
	return err != nil
}

// stillOpen reports whether c is open as far as a short read can tell.
func stillOpen(t *testing.T, c net.Conn) bool {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, err := c.Read(make([]byte, 1))
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestPerClientShareClosesThatClientsOldestPending(t *testing.T) {
	t.Parallel()
	l := listen(t, 100, 2)
	a1 := dial(t, l, "127.0.0.1")
	accept(t, l)
	a2 := dial(t, l, "127.0.0.1")
	accept(t, l)
	b1 := dial(t, l, "127.0.0.2")
	accept(t, l)
	a3 := dial(t, l, "127.0.0.1")
	accept(t, l)
	if !closedByServer(t, a1) {
		t.Error("the client's oldest pending connection is still open past its share")
	}
	for name, c := range map[string]net.Conn{"a2": a2, "a3": a3, "b1": b1} {
		if !stillOpen(t, c) {
			t.Errorf("%s was closed", name)
		}
	}
	if l.Evicted() != 1 || l.Pending() != 3 {
		t.Errorf("evicted %d, pending %d; want 1, 3", l.Evicted(), l.Pending())
	}
}

func TestFullListenerClosesOldestPending(t *testing.T) {
	t.Parallel()
	l := listen(t, 3, 10)
	a := dial(t, l, "127.0.0.1")
	accept(t, l)
	b := dial(t, l, "127.0.0.2")
	started := accept(t, l)
	started.Started()
	c := dial(t, l, "127.0.0.3")
	accept(t, l)
	d := dial(t, l, "127.0.0.4")
	accept(t, l)
	if !closedByServer(t, a) {
		t.Error("the oldest pending connection is still open on a full listener")
	}
	for name, conn := range map[string]net.Conn{"started": b, "c": c, "d": d} {
		if !stillOpen(t, conn) {
			t.Errorf("%s was closed", name)
		}
	}
}

func TestFullOfStartedConnectionsWaits(t *testing.T) {
	t.Parallel()
	l := listen(t, 2, 10)
	var open []*Conn
	for _, src := range []string{"127.0.0.1", "127.0.0.2"} {
		dial(t, l, src)
		c := accept(t, l)
		c.Started()
		open = append(open, c)
	}
	dial(t, l, "127.0.0.3")
	got := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err == nil {
			got <- c
		}
		close(got)
	}()
	select {
	case <-got:
		t.Fatal("a full listener of started connections admitted another")
	case <-time.After(100 * time.Millisecond):
	}
	// Freeing a slot admits the waiting connection.
	_ = open[0].Close()
	select {
	case c, ok := <-got:
		if !ok {
			t.Fatal("Accept failed")
		}
		_ = c.Close()
	case <-time.After(10 * time.Second):
		t.Fatal("Accept still waits after a connection closed")
	}
	if l.Evicted() != 0 {
		t.Errorf("evicted %d started connections", l.Evicted())
	}
}

func TestConnContextUnwrapsAndStarts(t *testing.T) {
	t.Parallel()
	l := listen(t, 10, 10)
	dial(t, l, "127.0.0.1")
	c := accept(t, l)
	ctx := ConnContext(context.Background(), wrapped{c})
	if l.Pending() != 1 {
		t.Fatalf("pending %d, want 1", l.Pending())
	}
	Started(ctx)
	Started(ctx)
	if l.Pending() != 0 {
		t.Errorf("pending %d after Started, want 0", l.Pending())
	}
}

type wrapped struct{ net.Conn }

func (w wrapped) NetConn() net.Conn { return w.Conn }

func TestClientOf(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"192.0.2.7":            "192.0.2.7",
		"::ffff:192.0.2.7":     "192.0.2.7",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::",
		"2001:db8:1:2::ffff":   "2001:db8:1:2::",
		"fe80::1%eth0":         "fe80::",
	} {
		if got := clientOf(netip.MustParseAddr(in)); got.String() != want {
			t.Errorf("clientOf(%s) = %s, want %s", in, got, want)
		}
	}
}
