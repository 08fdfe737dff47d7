package auth

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"net/http"
	"strings"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
)

// Credentials is what a caller presented, before it is checked. It holds the
// bearer token: it must never be logged, and String and LogValue say only
// what kind of credentials they are.
type Credentials struct {
	bearer    string
	malformed bool              // an Authorization header that is not one "Bearer <token>"
	cert      *x509.Certificate // the verified client certificate (leaf), or nil
}

// String describes the credentials without the token.
func (c Credentials) String() string {
	var kinds []string
	if c.bearer != "" {
		kinds = append(kinds, "bearer token")
	}
	if c.malformed {
		kinds = append(kinds, "malformed authorization")
	}
	if c.cert != nil {
		kinds = append(kinds, "client certificate")
	}
	if len(kinds) == 0 {
		return "none"
	}
	return strings.Join(kinds, ", ")
}

// GoString keeps %#v from printing the token.
func (c Credentials) GoString() string { return "auth.Credentials{" + c.String() + "}" }

// LogValue logs the credentials without the token.
func (c Credentials) LogValue() slog.Value { return slog.StringValue(c.String()) }

type credentialsKey struct{}

// WithCredentials returns ctx carrying creds. The HTTP layer uses it so that
// REST calls, which reach the interceptors in-process, present the same
// Credentials as gRPC calls.
func WithCredentials(ctx context.Context, creds Credentials) context.Context {
	return context.WithValue(ctx, credentialsKey{}, creds)
}

// CredentialsFromHTTP reads the credentials of an HTTP request: its
// Authorization header and its verified client certificate.
func CredentialsFromHTTP(r *http.Request) Credentials {
	var c Credentials
	c.bearer, c.malformed = parseAuthorization(r.Header.Values("Authorization"))
	c.cert = verifiedLeaf(r.TLS)
	return c
}

// credentialsFrom returns the credentials of the call ctx belongs to: those
// the HTTP layer put there for REST calls, else the gRPC call's
// "authorization" metadata and verified peer certificate. A REST call never
// falls through to metadata or peer: what the HTTP layer saw is the whole
// truth about it.
func credentialsFrom(ctx context.Context) Credentials {
	if c, ok := ctx.Value(credentialsKey{}).(Credentials); ok {
		return c
	}
	var c Credentials
	// One key, not FromIncomingContext: that copies all the metadata.
	c.bearer, c.malformed = parseAuthorization(metadata.ValueFromIncomingContext(ctx, "authorization"))
	if p, ok := peer.FromContext(ctx); ok && p.AuthInfo != nil {
		if info, ok := p.AuthInfo.(credentials.TLSInfo); ok {
			c.cert = verifiedLeaf(&info.State)
		}
	}
	return c
}

// parseAuthorization accepts exactly one "Bearer <token>" (scheme in any
// case). No header is not malformed; anything else that is not a bearer
// token is.
func parseAuthorization(values []string) (token string, malformed bool) {
	switch len(values) {
	case 0:
		return "", false
	case 1:
	default:
		return "", true
	}
	scheme, tok, ok := strings.Cut(values[0], " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" || strings.ContainsAny(tok, " \t") {
		return "", true
	}
	return tok, false
}

// verifiedLeaf returns the client certificate only if the TLS layer verified
// it against the client CA: a certificate that was merely presented
// (VerifiedChains empty) proves nothing.
func verifiedLeaf(state *tls.ConnectionState) *x509.Certificate {
	if state == nil || len(state.VerifiedChains) == 0 || len(state.VerifiedChains[0]) == 0 {
		return nil
	}
	return state.VerifiedChains[0][0]
}

// CertificateCaller is the caller name a client certificate carries: its
// first URI SAN (a SPIFFE id, say) when that is an absolute URI outside the
// token: and cn: namespaces; without URI SANs and only when cnFallback, its
// subject common name as "cn:NAME"; else "". A certificate whose first URI
// SAN is unusable names no caller, whatever its common name: falling back
// would let a CA that may issue such a SAN pick the name another way.
func CertificateCaller(cert *x509.Certificate, cnFallback bool) string {
	if cert == nil {
		return ""
	}
	if len(cert.URIs) > 0 {
		u := cert.URIs[0]
		// url.Parse has lower-cased the scheme, so "TOKEN:x" is caught too.
		if u == nil || u.Scheme == "" || reservedScheme(u.Scheme) {
			return ""
		}
		return u.String()
	}
	if cnFallback && cert.Subject.CommonName != "" {
		return CNCallerPrefix + cert.Subject.CommonName
	}
	return ""
}

// reservedScheme reports whether a URI scheme is one of the caller name
// prefixes, which certificates may not claim.
func reservedScheme(scheme string) bool {
	scheme = strings.ToLower(scheme) + ":"
	return scheme == TokenCallerPrefix || scheme == CNCallerPrefix
}
