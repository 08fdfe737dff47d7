// The published retry policy as a Connect interceptor. Connect's transports do
// not read gRPC service configs, so this interceptor carries out the
// retryPolicy of the method's config the way gRPC clients do (gRFC A6):
// exponential backoff with full jitter, only on the listed codes, honouring
// the server's grpc-retry-pushback-ms and google.rpc.RetryInfo, within the
// call's deadline. On top of gRPC's rules it never repeats a call whose
// outcome the facade marked unknown unless the request carries a request_id.
// The facade invites the repeat of such a create (a pushback and a
// RetryInfo) when the repeat resolves it: it answers with the webhook the
// first attempt made, marked recovered, or makes it once; its pushback of -1
// says the repeat could not tell, and is followed.

import { ConnectError, type Interceptor } from "@connectrpc/connect";
import { isOutcomeUnknown, retryDelayMs } from "./errors.js";
import { methodConfig, type RetryPolicy, type ServiceConfig } from "./service-config.js";
import { publishedServiceConfig } from "../gen/service_config.js";
import { requestIdOf } from "./request-id.js";

/** Options of {@link createRetryInterceptor}. */
export interface RetryInterceptorOptions {
  /** The service config whose retry policies apply; the published one by default. */
  readonly serviceConfig?: ServiceConfig;
  /** Source of randomness for the jitter, in [0, 1); Math.random by default. */
  readonly random?: () => number;
}

// The server's say on retrying (gRFC A6). gRPC's grpc-previous-rpc-attempts
// request header is not sent: browsers would need the facade's CORS policy to
// allow it, and a refused preflight would turn every retry into a failure.
const pushbackHeader = "grpc-retry-pushback-ms";

/**
 * Returns an interceptor that retries unary calls as the service config's
 * retryPolicy for the method says. Place it after the request-id interceptor
 * (so every attempt carries the same request_id) and before interceptors that
 * should see each attempt.
 */
export function createRetryInterceptor(options: RetryInterceptorOptions = {}): Interceptor {
  const config = options.serviceConfig ?? publishedServiceConfig;
  const random = options.random ?? Math.random;
  const policies = new Map<string, RetryPolicy | undefined>();
  const policyFor = (service: string, method: string): RetryPolicy | undefined => {
    const key = `${service}/${method}`;
    if (!policies.has(key)) {
      policies.set(key, methodConfig(config, service, method).retryPolicy);
    }
    return policies.get(key);
  };

  return (next) => async (req) => {
    const policy = policyFor(req.service.typeName, req.method.name);
    // A stream's messages are consumed by the first attempt: it cannot be replayed.
    if (req.stream || policy === undefined || policy.maxAttempts < 2) {
      return next(req);
    }
    const deadline = deadlineOf(req.header);
    const hasRequestId = requestIdOf(req.method.input, req.message) !== "";
    let backoffMs = policy.initialBackoffMs;
    for (let attempt = 1; ; attempt++) {
      const header = new Headers(req.header);
      if (attempt > 1 && deadline !== undefined) {
        setRemainingTimeout(header, deadline - Date.now());
      }
      try {
        return await next({ ...req, header });
      } catch (err) {
        if (attempt >= policy.maxAttempts || req.signal.aborted) {
          throw err;
        }
        const delayMs = retryDelay(err, policy, backoffMs, hasRequestId, random);
        // No point in waiting past the deadline only to fail with a vaguer error.
        if (delayMs === undefined || (deadline !== undefined && Date.now() + delayMs >= deadline)) {
          throw err;
        }
        await sleep(delayMs, req.signal).catch(() => {
          throw err;
        });
        backoffMs = Math.min(backoffMs * policy.backoffMultiplier, policy.maxBackoffMs);
      }
    }
  };
}

/**
 * How long to wait before the next attempt, or undefined when the error must
 * not be retried.
 */
function retryDelay(
  err: unknown,
  policy: RetryPolicy,
  backoffMs: number,
  hasRequestId: boolean,
  random: () => number,
): number | undefined {
  if (!(err instanceof ConnectError) || !policy.retryableCodes.has(err.code)) {
    return undefined;
  }
  const pushback = err.metadata.get(pushbackHeader);
  const pushbackMs = pushback !== null && /^\d+$/.test(pushback) ? Number(pushback) : undefined;
  if (isOutcomeUnknown(err)) {
    if (!hasRequestId) {
      return undefined;
    }
    if (pushback !== null && pushbackMs === undefined) {
      // -1: the facade could not resolve the repeat (it had no list of the
      // account's webhooks from before the first attempt).
      return undefined;
    }
    // With the same request_id the facade answers with the webhook the
    // first attempt made (recovered) or makes it, never a second one.
    return pushbackMs ?? retryDelayMs(err) ?? random() * backoffMs;
  }
  if (pushback !== null) {
    // gRFC A6: a pushback that is not a non-negative integer means "do not retry".
    return pushbackMs;
  }
  return retryDelayMs(err) ?? random() * backoffMs;
}

// The call's deadline, read back from the timeout header the transport set
// (grpc-timeout for gRPC and gRPC-Web, connect-timeout-ms for Connect).
function deadlineOf(header: Headers): number | undefined {
  const grpc = header.get("grpc-timeout");
  if (grpc !== null) {
    const m = /^(\d{1,8})([HMSmun])$/.exec(grpc);
    if (m !== null) {
      const unitMs = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 }[m[2] as "H"];
      return Date.now() + Number(m[1]) * unitMs;
    }
  }
  const connect = header.get("connect-timeout-ms");
  if (connect !== null && /^\d{1,10}$/.test(connect)) {
    return Date.now() + Number(connect);
  }
  return undefined;
}

// A retry tells the server the time left, not the whole call's timeout again.
function setRemainingTimeout(header: Headers, remainingMs: number): void {
  const ms = Math.max(1, Math.ceil(remainingMs));
  if (header.has("grpc-timeout")) {
    header.set("grpc-timeout", `${ms}m`);
  } else if (header.has("connect-timeout-ms")) {
    header.set("connect-timeout-ms", String(ms));
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
