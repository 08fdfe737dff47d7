// The TypeScript client of the Telegent webhook facade: the generated
// service, messages and enums, the google.rpc detail types, readers of the
// facade's error details, and the published call policy as interceptors.
// Transports live in "./node" (Node.js) and "./web" (browsers) so that a
// browser bundle never pulls in Node's modules.

export * from "../gen/telegent/webhook/v1/webhook_pb.js";
export * from "../gen/google/rpc/status_pb.js";
export * from "../gen/google/rpc/error_details_pb.js";
export { publishedServiceConfig } from "../gen/service_config.js";
export * from "./errors.js";
export { isRecovered, isReplayed, listAllWebhooks, type ListAllWebhooksOptions } from "./lifecycle.js";
export * from "./service-config.js";
export { createRetryInterceptor, type RetryInterceptorOptions } from "./retry.js";
export { createRequestIdInterceptor, requestIdOf } from "./request-id.js";
export { applyPolicy, splitPolicy, type DistributiveOmit, type PolicyOptions } from "./policy.js";
