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
//	POST /v1.0/webhook/delete    delete a webhook (bearer token scoped to this URL)
//	GET  /v1.0/account/webhooks  list an account's webhooks, ?AccountId=AID-...
//	                             (bearer token scoped to this URL without the query)
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
// # Update, delete and list
//
// Update takes the create body plus WebhookId (WID-...) and replaces every member
// of the stored webhook; it accepts Bearer besides Token as an authentication type,
// as Telegent's update page words it. Delete takes {"AccountId", "WebhookId"} and
// answers 200 {"WebhookId", "AccountId", "Deleted": true} (Telegent's success body
// is not in our notes). An unknown WebhookId is 404 on both. By default a WebhookId
// of another account than the AccountId sent is 404 too; with
// [Config.SkipOwnershipCheck] (the binary's --ownership-check=false) the simulator
// acts on it, as Telegent might: an update then moves the webhook to the account
// sent. List answers a JSON array of the account's webhooks in creation order, in
// the create answer's shape, AuthenticationPassword and AuthenticationToken
// included, as Telegent might return them; an account without webhooks is [].
//
// Counters (GET /_sim/counters) count each endpoint's calls apart: CreatesAttempted
// and CreatesAccepted, UpdatesAttempted and UpdatesAccepted, DeletesAttempted and
// DeletesAccepted, ListsAttempted and ListsAnswered. GET /_sim/webhooks lists the
// stored webhooks (?AccountId= keeps one account's).
//
// # Faults
//
// Faults come from, in order of precedence: the request header
// X-Telegent-Sim-Fault, the query parameter sim-fault inside the body's WebhookUrl
// (the only channel that survives a facade which forwards only the typed body), and
// the default [Faults] set by [Config.Faults], [Simulator.SetFaults] or
// PUT /_sim/faults. The first channel present wins wholesale; specs are not merged.
// Token faults (token-* items) come from the header or the defaults. Delete and
// list bodies carry no WebhookUrl: their faults come from the header or the
// defaults.
//
// Webhook faults apply to the endpoints named by on: (below); without it, to
// create and update only, so that a default such as drop:after-body leaves the list
// a client recovers with alone.
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
//	                     WebhookId member; in a list, in every entry), activenull
//	                     ("Active": null) or, with on:list only, wrapped (the list
//	                     as {"Webhooks": [...]})
//	drop:before-body     close the connection before reading the body; nothing is
//	                     created (from WebhookUrl the body has necessarily been read:
//	                     the connection is closed before anything is created)
//	drop:after-body      read the body, act (create and store the webhook, update
//	                     it, delete it, or compute the list), count it, then close
//	                     the connection without answering (the dangerous case)
//	on:<endpoints>       the webhook endpoints the spec applies to, comma-separated:
//	                     create, update, delete, list, or all (default create,update)
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
// "drop:after-body;on:create", "status:500;on:update,delete", "body:wrapped;on:list",
// "token-status:500;once". In a WebhookUrl the spec may be percent-encoded or given
// raw: https://hooks.example.com/x?sim-fault=status:503;once (see [FaultURL]).
//
// Combinations that contradict each other are refused by [Faults.Validate]: drop with
// status or body, latency with drop:before-body (before the body is read Go's server
// cannot notice a client leaving, so the wait could not be cancelled), token-drop
// with token-status, nowebhookid/activenull/wrapped with a status, and wrapped
// without exactly on:list.
package telegentsim
