package resilience

import "time"

// Reasons for a Rejection, also passed to Observer.Rejected. They are
// stable: metrics labels and callers may use them.
const (
	// RejectedOpen: the breaker is open (or half-open with every probe
	// slot taken), so the call was not sent.
	RejectedOpen = "circuit_open"
	// RejectedOverloaded: no concurrency slot freed up within
	// AcquireTimeout, so the call was not sent.
	RejectedOverloaded = "overloaded"
)

// Rejection is the error Guard returns when it refuses a call without
// sending anything upstream. Retrying after RetryAfter is safe: no webhook
// was created.
type Rejection struct {
	// Reason is RejectedOpen or RejectedOverloaded.
	Reason string
	// RetryAfter is a hint for when trying again may succeed; at least a
	// second.
	RetryAfter time.Duration
}

// Error describes the refusal; it is safe to log and to show.
func (r *Rejection) Error() string {
	return "resilience: call to Telegent not sent: " + r.Reason +
		"; retry after " + r.RetryAfter.String()
}
