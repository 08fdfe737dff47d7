// The gRPC service config (https://github.com/grpc/grpc/blob/master/doc/service_config.md)
// as far as a Connect client applies it: per-method timeout and retry policy.

import { Code } from "@connectrpc/connect";
import { codeFromString } from "@connectrpc/connect/protocol-connect";

/** The JSON form of a gRPC service config, the parts this package reads. */
export interface ServiceConfig {
  readonly methodConfig?: readonly MethodConfigJson[];
}

/** One entry of a service config's methodConfig list. */
export interface MethodConfigJson {
  readonly name?: readonly { readonly service?: string; readonly method?: string }[];
  readonly timeout?: string;
  readonly retryPolicy?: {
    readonly maxAttempts: number;
    readonly initialBackoff: string;
    readonly maxBackoff: string;
    readonly backoffMultiplier: number;
    readonly retryableStatusCodes: readonly string[];
  };
}

/** A retry policy with durations in milliseconds and codes as Connect codes. */
export interface RetryPolicy {
  /** Attempts in all, the first included; gRPC caps it at 5. */
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly backoffMultiplier: number;
  readonly retryableCodes: ReadonlySet<Code>;
}

/** What the service config says about one method. */
export interface MethodConfig {
  readonly timeoutMs?: number;
  readonly retryPolicy?: RetryPolicy;
}

// gRPC clients ignore maxAttempts above 5; so does this one.
const maxAttemptsCap = 5;

/**
 * The config for one method: the entry naming the method exactly, else the
 * entry naming its whole service, else the default entry (an empty name), as
 * gRPC chooses. Throws on a malformed duration or status code name, since
 * a policy silently dropped would be worse than none.
 */
export function methodConfig(config: ServiceConfig, service: string, method: string): MethodConfig {
  const entries = config.methodConfig ?? [];
  const match =
    entries.find((e) => e.name?.some((n) => n.service === service && n.method === method)) ??
    entries.find((e) => e.name?.some((n) => n.service === service && !n.method)) ??
    entries.find((e) => e.name?.some((n) => !n.service));
  if (match === undefined) {
    return {};
  }
  const out: { timeoutMs?: number; retryPolicy?: RetryPolicy } = {};
  if (match.timeout !== undefined) {
    out.timeoutMs = parseDurationMs(match.timeout);
  }
  const rp = match.retryPolicy;
  if (rp !== undefined) {
    out.retryPolicy = {
      maxAttempts: Math.min(rp.maxAttempts, maxAttemptsCap),
      initialBackoffMs: parseDurationMs(rp.initialBackoff),
      maxBackoffMs: parseDurationMs(rp.maxBackoff),
      backoffMultiplier: rp.backoffMultiplier,
      retryableCodes: new Set(rp.retryableStatusCodes.map(parseCode)),
    };
  }
  return out;
}

/** Parses a protobuf JSON Duration such as "0.2s" or "15s" into milliseconds. */
export function parseDurationMs(text: string): number {
  const m = /^(\d+)(?:\.(\d{1,9}))?s$/.exec(text);
  if (m === null) {
    throw new Error(`parse service config duration ${JSON.stringify(text)}: want e.g. "0.2s"`);
  }
  const fraction = (m[2] ?? "").padEnd(9, "0");
  return Number(m[1]) * 1000 + Math.floor(Number(fraction) / 1e6);
}

// Service configs spell codes as gRPC's upper-case names (UNAVAILABLE);
// Connect's string form is the same name in lower case.
function parseCode(name: string): Code {
  const code = codeFromString(name.toLowerCase());
  if (code === undefined) {
    throw new Error(`parse service config status code ${JSON.stringify(name)}: unknown code`);
  }
  return code;
}
