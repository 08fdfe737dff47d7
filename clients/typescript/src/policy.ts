// What every transport of this package adds to the caller's options: the
// published timeout as the default deadline, a request_id per logical call,
// and the published retry policy.

import type { Interceptor } from "@connectrpc/connect";
import { WebhookService } from "../gen/telegent/webhook/v1/webhook_pb.js";
import { publishedServiceConfig } from "../gen/service_config.js";
import { createRequestIdInterceptor } from "./request-id.js";
import { createRetryInterceptor } from "./retry.js";
import { methodConfig, type ServiceConfig } from "./service-config.js";

/** Omit over each member of a union (the transports' options are unions). */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Options every transport factory of this package takes besides its own. */
export interface PolicyOptions {
  /** The service config to apply; the published one by default. */
  readonly serviceConfig?: ServiceConfig;
  /** Set a fresh request_id on calls that leave it empty (default true). */
  readonly requestId?: boolean;
  /** Retry as the service config says (default true). */
  readonly retry?: boolean;
  /** Default deadline; the service config's timeout for CreateWebhook by default. */
  readonly defaultTimeoutMs?: number;
  /** The caller's interceptors; they run inside the retry loop, once per attempt. */
  readonly interceptors?: Interceptor[];
}

/**
 * The defaultTimeoutMs and interceptors that Connect's transport factories
 * take, made from policy options: a fresh request_id first, then the retry
 * policy, then the caller's interceptors (once per attempt).
 */
export function applyPolicy(options: PolicyOptions): { defaultTimeoutMs?: number; interceptors: Interceptor[] } {
  const serviceConfig = options.serviceConfig ?? publishedServiceConfig;
  const timeoutMs =
    options.defaultTimeoutMs ?? methodConfig(serviceConfig, WebhookService.typeName, "CreateWebhook").timeoutMs;
  const interceptors: Interceptor[] = [];
  if (options.requestId ?? true) {
    interceptors.push(createRequestIdInterceptor());
  }
  if (options.retry ?? true) {
    interceptors.push(createRetryInterceptor({ serviceConfig }));
  }
  interceptors.push(...(options.interceptors ?? []));
  return timeoutMs === undefined ? { interceptors } : { defaultTimeoutMs: timeoutMs, interceptors };
}

/**
 * Separates the policy options from a transport's own, so that only the
 * latter (plus what {@link applyPolicy} makes) reach Connect's factory.
 */
export function splitPolicy<T extends PolicyOptions>(options: T): [PolicyOptions, DistributiveOmit<T, keyof PolicyOptions>] {
  const { serviceConfig, requestId, retry, defaultTimeoutMs, interceptors, ...rest } = options;
  return [{ serviceConfig, requestId, retry, defaultTimeoutMs, interceptors }, rest as DistributiveOmit<T, keyof PolicyOptions>];
}
