// Package auth decides who may call the facade and for which Telegent
// accounts.
//
// Authentication turns what a caller presented (a bearer token, a verified
// client certificate) into an [Identity]. Bearer tokens are kept only as
// SHA-256 hashes ([Tokens]) and compared in constant time. The TLS layer
// has already verified a client certificate against the client CA.
//
// Token callers and certificate callers live in separate namespaces, so
// that neither can take the other's rights: a token caller NAME is
// "token:NAME"; a certificate is named by its first URI SAN (a SPIFFE id,
// say), which must be an absolute URI whose scheme is neither "token" nor
// "cn"; only behind an explicit opt-in ([Config.CertCNFallback]) is a
// certificate without a URI SAN named by its subject common name, as
// "cn:NAME". The policy uses these names as they are.
//
// Authorisation maps an identity to the account ids whose webhooks it may manage
// for ([Policy]): exact ids or prefixes. Anything else is PERMISSION_DENIED
// and never reaches Telegent.
//
// Both run as gRPC unary interceptors in the one chain the gRPC server and
// the in-process REST gateway share: [Auth.Authenticate] before request
// validation (an anonymous caller learns nothing about the request rules and
// costs no validation work), [Auth.Authorize] after it (the account id it
// checks has then been validated). For REST, [Auth.HTTPCredentials] carries
// the HTTP request's credentials into the context, so the interceptors see
// the same [Credentials] for both protocols.
//
// Bearer tokens are never logged, returned or put in errors; caller names
// are.
package auth

import (
	"context"
	"log/slog"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/platform/telegent-facade/failure"
)

// Stable google.rpc.ErrorInfo reasons. Callers may switch on them.
const (
	// ReasonUnauthenticated: no usable credentials (UNAUTHENTICATED, 401).
	ReasonUnauthenticated = "CALLER_UNAUTHENTICATED"
	// ReasonAccountNotAllowed: the caller may not act for the request's
	// account (PERMISSION_DENIED, 403).
	ReasonAccountNotAllowed = "ACCOUNT_NOT_ALLOWED"
	// ReasonMethodNotAllowed: the method is not covered by the policy
	// (PERMISSION_DENIED, 403). Fail-closed guard for methods added later.
	ReasonMethodNotAllowed = "METHOD_NOT_ALLOWED"
)

// ErrorInfo metadata keys.
const (
	// MetadataFailure says why authentication failed: one of the Failure
	// values.
	MetadataFailure = "failure"
	// MetadataCaller is the authenticated caller a denial is about.
	MetadataCaller = "caller"
	// MetadataAccountID is the account id a denial is about.
	MetadataAccountID = "account_id"
)

// Failure is why authentication failed. The values are metric labels and
// ErrorInfo metadata; none of them carries anything the caller sent.
type Failure string

// Authentication failures.
const (
	// FailureMissing: neither a bearer token nor a client certificate.
	FailureMissing Failure = "missing"
	// FailureMalformed: an Authorization header that is not one
	// "Bearer <token>".
	FailureMalformed Failure = "malformed"
	// FailureInvalidToken: a bearer token that is not in the token file.
	FailureInvalidToken Failure = "invalid_token"
	// FailureNoIdentity: a verified client certificate that names no
	// caller: no URI SAN (and no common name, or the common name fallback
	// off), or a first URI SAN that is not absolute or that claims the
	// token: or cn: namespace.
	FailureNoIdentity Failure = "no_identity"
)

var failureMessages = map[Failure]string{
	FailureMissing:      "authentication required: present a bearer token or a client certificate",
	FailureMalformed:    "the Authorization header must be a single 'Bearer <token>'",
	FailureInvalidToken: "the bearer token is not valid",
	FailureNoIdentity:   "the client certificate names no caller: it needs a URI SAN that is an absolute URI outside the token: and cn: namespaces",
}

// Decisions of authorisation, as counted.
const (
	DecisionAllow = "allow"
	DecisionDeny  = "deny"
)

// Method says how a caller authenticated.
type Method string

// Authentication methods.
const (
	MethodToken Method = "token"
	MethodMTLS  Method = "mtls"
)

// Caller name prefixes: the namespaces of token callers and of
// certificates named by their common name. Certificates named by their URI
// SAN have none; a URI SAN with one of these schemes names no caller.
const (
	// TokenCallerPrefix starts the name of every bearer-token caller: the
	// token file's caller "billing" is "token:billing" to the policy.
	TokenCallerPrefix = "token:"
	// CNCallerPrefix starts the name of a certificate named by its subject
	// common name (only with Config.CertCNFallback): "cn:billing".
	CNCallerPrefix = "cn:"
)

// Identity is an authenticated caller.
type Identity struct {
	// Caller is the caller's name as the policy knows it: "token:" and the
	// token file's caller, the certificate's first URI SAN, or (with the
	// common name fallback) "cn:" and its common name.
	Caller string
	// Method is how the caller proved it.
	Method Method
}

// LogValue logs the identity; it holds nothing secret.
func (id Identity) LogValue() slog.Value {
	return slog.GroupValue(slog.String("caller", id.Caller), slog.String("method", string(id.Method)))
}

type identityKey struct{}

// WithIdentity returns ctx carrying id.
func WithIdentity(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// IdentityFrom returns the authenticated caller of the call ctx belongs to.
func IdentityFrom(ctx context.Context) (Identity, bool) {
	id, ok := ctx.Value(identityKey{}).(Identity)
	return id, ok
}

// Observer receives authentication and authorisation events for metrics.
// Methods are called on the request path, concurrently.
type Observer interface {
	// AuthenticationFailed is called once per refused caller.
	AuthenticationFailed(f Failure)
	// AuthorizationDecided is called once per authorisation decision with
	// DecisionAllow or DecisionDeny.
	AuthorizationDecided(decision string)
}

type nopObserver struct{}

func (nopObserver) AuthenticationFailed(Failure) {}
func (nopObserver) AuthorizationDecided(string)  {}

// unauthenticatedError builds the status for f. Its message is fixed text:
// nothing the caller sent is echoed.
func unauthenticatedError(f Failure) error {
	st := status.New(codes.Unauthenticated, failureMessages[f])
	withDetails, err := st.WithDetails(&errdetails.ErrorInfo{
		Reason:   ReasonUnauthenticated,
		Domain:   failure.ErrorDomain,
		Metadata: map[string]string{MetadataFailure: string(f)},
	})
	if err != nil {
		return st.Err()
	}
	return withDetails.Err()
}

// deniedError builds the status of a refused account. The caller name and
// the (validated) account id are safe to show: the caller knows both.
func deniedError(caller, accountID string) error {
	st := status.New(codes.PermissionDenied, "caller "+caller+" may not manage webhooks of account "+accountID)
	withDetails, err := st.WithDetails(&errdetails.ErrorInfo{
		Reason:   ReasonAccountNotAllowed,
		Domain:   failure.ErrorDomain,
		Metadata: map[string]string{MetadataCaller: caller, MetadataAccountID: accountID},
	})
	if err != nil {
		return st.Err()
	}
	return withDetails.Err()
}

func methodDeniedError(caller string) error {
	st := status.New(codes.PermissionDenied, "this method is not covered by the authorisation policy")
	withDetails, err := st.WithDetails(&errdetails.ErrorInfo{
		Reason:   ReasonMethodNotAllowed,
		Domain:   failure.ErrorDomain,
		Metadata: map[string]string{MetadataCaller: caller},
	})
	if err != nil {
		return st.Err()
	}
	return withDetails.Err()
}
