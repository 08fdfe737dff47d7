// Readers of the error details the facade attaches to its failures.
//
// Every reader takes `unknown`, because a caught value may be anything: a
// ConnectError from any transport, a network error, a plain string. For a
// value that is not a ConnectError each answers "nothing" (an empty list,
// false or undefined) and never throws, so callers can use them in a catch
// block without guarding.

import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import {
  BadRequestSchema,
  ErrorInfoSchema,
  RetryInfoSchema,
  type ErrorInfo,
} from "../gen/google/rpc/error_details_pb.js";

/** One broken rule of a request the facade refused as INVALID_ARGUMENT. */
export interface FieldViolation {
  /** The field's path in proto names, e.g. `account_id` (not REST's `accountId`). */
  readonly field: string;
  /** The protovalidate rule id, e.g. `account_id.format` or `authentication_token.required_for_token`. */
  readonly ruleId: string;
  /** A message that is safe to show. */
  readonly message: string;
}

/** The domain of the facade's google.rpc.ErrorInfo details. */
export const errorInfoDomain = "telegent-facade";

/**
 * The field violations of the error's google.rpc.BadRequest detail, in the
 * order the facade reported them; empty when there are none or `err` is not
 * a ConnectError.
 */
export function fieldViolations(err: unknown): FieldViolation[] {
  const out: FieldViolation[] = [];
  for (const br of findDetails(err, BadRequestSchema)) {
    for (const v of br.fieldViolations) {
      out.push({ field: v.field, ruleId: v.reason, message: v.description });
    }
  }
  return out;
}

/**
 * The error's google.rpc.ErrorInfo detail (the facade's, by its domain, when
 * there are several), or undefined when there is none or `err` is not a
 * ConnectError.
 */
export function errorInfo(err: unknown): ErrorInfo | undefined {
  // The facade's own detail first, should a proxy on the way have added one.
  const infos = findDetails(err, ErrorInfoSchema);
  return infos.find((info) => info.domain === errorInfoDomain) ?? infos[0];
}

/**
 * The stable reason of the error's ErrorInfo (e.g. `UPSTREAM_CONFLICT`), or
 * undefined when there is none.
 */
export function errorReason(err: unknown): string | undefined {
  return errorInfo(err)?.reason;
}

/**
 * The metadata of the error's ErrorInfo (e.g. `upstream_status`,
 * `outcome_unknown`), or an empty record when there is none.
 */
export function errorMetadata(err: unknown): Record<string, string> {
  return { ...errorInfo(err)?.metadata };
}

/**
 * Whether the facade marked the failure outcome-unknown: the create may have
 * reached Telegent and no definite answer came back, so the webhook may exist.
 * Repeat such a call only with the same request_id. False for anything else.
 */
export function isOutcomeUnknown(err: unknown): boolean {
  return errorInfo(err)?.metadata["outcome_unknown"] === "true";
}

/**
 * The delay the facade asked for in a google.rpc.RetryInfo detail, in
 * milliseconds, or undefined when there is none.
 */
export function retryDelayMs(err: unknown): number | undefined {
  const delay = findDetails(err, RetryInfoSchema)[0]?.retryDelay;
  if (delay === undefined) {
    return undefined;
  }
  return Number(delay.seconds) * 1000 + Math.floor(delay.nanos / 1e6);
}

function findDetails<Desc extends DescMessage>(err: unknown, schema: Desc): MessageShape<Desc>[] {
  if (!(err instanceof ConnectError)) {
    return [];
  }
  try {
    return err.findDetails(schema);
  } catch {
    // A detail that does not decode is no detail.
    return [];
  }
}
