// Package netutil holds the facade's one rule for what counts as a loopback
// host: where plain http may go, where the debug listener may bind, and
// which listeners need no warning about unauthenticated callers.
package netutil

import "net"

// IsLoopbackHost reports whether host is a literal loopback IP address
// (127.0.0.0/8 or ::1, without brackets or a zone) or exactly "localhost".
//
// Every other name is refused, even one that resolves to a loopback address
// today: "localhost." (fully qualified), "LOCALHOST", "127.0.0.1.nip.io" and
// the like go through DNS or search domains, so traffic sent to them in clear
// (the Telegent account secret, with plain http) could end up elsewhere.
// "localhost" itself is kept because Go's resolver and the hosts file answer
// it locally, and every tool's documentation uses it.
func IsLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	// net.ParseIP refuses zones ("::1%lo") and the shorthand forms ("127.1")
	// that some resolvers expand and others send to DNS.
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// IsLoopbackHostPort is IsLoopbackHost for a "host:port" address, such as a
// listener's. An address without a host (":8080") listens on every
// interface and is not loopback.
func IsLoopbackHostPort(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	return err == nil && IsLoopbackHost(host)
}
