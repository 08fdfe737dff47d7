package server

import (
	"context"
	"crypto/x509"
	"net/http"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

// A client certificate is checked when the connection is made; a
// connection outlives it. These refuse calls on a connection whose verified
// client certificate has expired since (connections are also recycled
// after --max-connection-age, which bounds how long a replaced client CA is
// honoured).

var errPeerCertExpired = status.Error(codes.Unauthenticated, "the client certificate of this connection has expired: reconnect with a current one")

// peerCertExpired reports whether the verified client certificate of the
// connection ctx's call arrived on has expired.
func peerCertExpired(ctx context.Context, now time.Time) bool {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return false
	}
	info, ok := p.AuthInfo.(credentials.TLSInfo)
	return ok && leafExpired(info.State.VerifiedChains, now)
}

func leafExpired(chains [][]*x509.Certificate, now time.Time) bool {
	return len(chains) > 0 && len(chains[0]) > 0 && now.After(chains[0][0].NotAfter)
}

// expiredPeerUnary refuses unary calls on a connection whose client
// certificate has expired.
func expiredPeerUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if peerCertExpired(ctx, time.Now()) {
		return nil, errPeerCertExpired
	}
	return handler(ctx, req)
}

// expiredPeerStream is expiredPeerUnary for streams.
func expiredPeerStream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if peerCertExpired(ss.Context(), time.Now()) {
		return errPeerCertExpired
	}
	return handler(srv, ss)
}

// refuseExpiredPeer is expiredPeerUnary for HTTP requests (REST, Connect,
// gRPC-Web) on a kept-alive TLS connection.
func refuseExpiredPeer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS != nil && leafExpired(r.TLS.VerifiedChains, time.Now()) {
			w.Header().Set("Connection", "close")
			writeStatus(w, r, status.Convert(errPeerCertExpired), http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}
