// Package telegentsim is an in-memory simulator of Telegent's token and webhook
// endpoints, faithful to what Telegent documents (see telegent-api.md) and able to
// misbehave on request.
//
// A [Simulator] is an [http.Handler]. Serve it with [net/http/httptest] in unit tests,
// with the cmd/telegent-sim binary for end-to-end runs, or call ServeHTTP directly
// from a custom RoundTripper. It serves:
//
//	POST /v1.0/oauth2/tokens     token call (path matched case-insensitively)
//	POST /v1.0/webhook/create    create a webhook (bearer token scoped to this URL)
//	POST /v1.0/webhook/update    update a webhook (bearer token scoped to this URL)
//	GET  /healthz                liveness
//	     /_sim/...               admin endpoints for tests (see [Simulator.ServeHTTP])
//
// # Tokens
//
// A token is scoped to the exact ApiEndpoint string it was requested for. The
// simulator compares that scope with the URL of the request it receives: the
// configured [Config.PublicBaseURL] plus the request path, or, without one,
// scheme://Host plus the request path (https when the request came over TLS or
// carries an absolute https URL, http otherwise). Scheme and host compare
// case-insensitively, the path exactly. tokenExpiry has one-second precision, so the
// simulator truncates the real expiry to the second: a token is valid while
// now < expiry, exactly what a client parsing tokenExpiry can know.
//
// # Faults
//
// Faults come from, in order of precedence: the request header
// X-Telegent-Sim-Fault, the query parameter sim-fault inside the body's WebhookUrl
// (the only channel that survives a facade which forwards only the typed body), and
// the default [Faults] set by [Config.Faults], [Simulator.SetFaults] or
// PUT /_sim/faults. The first channel present wins wholesale; specs are not merged.
// Token faults (token-* items) come from the header or the defaults.
//
// A fault spec is a list of items separated by semicolons (whitespace around items is
// ignored, the order does not matter, an item may appear once):
//
//	latency:<duration>   wait (time.ParseDuration syntax) before answering; ends early
//	                     when the client goes away
//	status:<code>        answer with this status (400-599) without creating anything;
//	                     the body is JSON {"error","message"} unless body: says otherwise
//	body:<kind>          with status: the shape of the error body: json, html (a proxy
//	                     error page), text, empty, malformed (truncated JSON).
//	                     Without status: the webhook IS created and the 200 body takes
//	                     this shape: html, text, empty, malformed, nowebhookid (no
//	                     WebhookId member) or activenull ("Active": null)
//	drop:before-body     close the connection before reading the body; nothing is
//	                     created (from WebhookUrl the body has necessarily been read:
//	                     the connection is closed before anything is created)
//	drop:after-body      read the body, create and store the webhook, count it, then
//	                     close the connection without answering (the dangerous case)
//	once                 apply the spec to the first matching request only: the first
//	                     request carrying the same header value, the first carrying
//	                     the same WebhookUrl, or the first after the defaults were set
//	token-latency:<dur>  like latency, on the token call
//	token-status:<code>  the token call answers this status (400-599), JSON
//	                     {"successful":false,"error":...}, and issues nothing
//	token-drop           the token call reads the body and closes the connection
//	token-expiry:<fmt>   the text of tokenExpiry (the real expiry is unchanged): past
//	                     (one hour before issue), far-future (ten years on), garbled,
//	                     empty, missing (member left out), rfc3339, or layout:<Go layout>
//
// Examples: "status:503;once", "latency:2s;body:malformed", "drop:after-body",
// "token-status:500;once". In a WebhookUrl the spec may be percent-encoded or given
// raw: https://hooks.example.com/x?sim-fault=status:503;once (see [FaultURL]).
//
// Combinations that contradict each other are refused by [Faults.Validate]: drop with
// status or body, latency with drop:before-body (before the body is read Go's server
// cannot notice a client leaving, so the wait could not be cancelled), token-drop
// with token-status, and nowebhookid/activenull with a status.
package telegentsim
