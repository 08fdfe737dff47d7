package resilience

import "github.com/platform/telegent-facade/failure"

// Reasons for a Rejection, also passed to Observer.Rejected (see
// failure.RejectedOpen and failure.RejectedOverloaded).
const (
	RejectedOpen       = failure.RejectedOpen
	RejectedOverloaded = failure.RejectedOverloaded
)

// Rejection is the error Guard returns when it refuses a call without
// sending anything upstream. It lives in failure, whose table says how a
// refusal is answered.
type Rejection = failure.Rejection
