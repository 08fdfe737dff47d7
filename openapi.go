// Package telegentfacade holds what the facade publishes beside the proto
// contract: the OpenAPI document generated from proto/ (served at
// /openapi.json) and the gRPC service config for callers.
package telegentfacade

import _ "embed"

// OpenAPI is the OpenAPI 3.1 document of the REST interface, generated from
// the proto contract (make generate; see tools/openapigen): request schemas
// carry the validation rules, and every error answer is typed as
// google.rpc.Status with its details.
//
//go:embed gen/openapi/telegent.openapi.json
var OpenAPI []byte

// ServiceConfig is the gRPC service config we publish for callers: a
// deadline, and retries of UNAVAILABLE only. The facade answers UNAVAILABLE
// where it may also have created the webhook (a connection dropped after
// the request was written, a 500, 502 or 504) with the retry pushback
// trailer set to -1, which tells gRPC clients not to retry; so this policy
// only ever repeats calls that created nothing. Use it with
// grpc.WithDefaultServiceConfig(telegentfacade.ServiceConfig).
//
//go:embed service_config.json
var ServiceConfig string
