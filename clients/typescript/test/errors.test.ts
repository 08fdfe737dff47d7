// The error-detail readers, on status errors built here and on values that
// are not status errors at all.

import { test } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  BadRequestSchema,
  ErrorInfoSchema,
  RetryInfoSchema,
  errorInfo,
  errorMetadata,
  errorReason,
  fieldViolations,
  isOutcomeUnknown,
  retryDelayMs,
} from "../src/index.js";

test("readers answer nothing for values that are not status errors", () => {
  const notStatus: unknown[] = [
    new Error("boom"),
    new TypeError("fetch failed"),
    undefined,
    null,
    "UNAVAILABLE",
    14,
    { code: Code.Unavailable, details: [{ type: "google.rpc.ErrorInfo", value: new Uint8Array([1, 2]) }] },
  ];
  for (const value of notStatus) {
    assert.deepEqual(fieldViolations(value), []);
    assert.equal(isOutcomeUnknown(value), false);
    assert.equal(retryDelayMs(value), undefined);
    assert.equal(errorReason(value), undefined);
    assert.equal(errorInfo(value), undefined);
    assert.deepEqual(errorMetadata(value), {});
  }
});

test("readers answer nothing for a status error without details", () => {
  const err = new ConnectError("unavailable", Code.Unavailable);
  assert.deepEqual(fieldViolations(err), []);
  assert.equal(isOutcomeUnknown(err), false);
  assert.equal(retryDelayMs(err), undefined);
  assert.equal(errorReason(err), undefined);
});

test("readers answer nothing for a detail that does not decode", () => {
  const err = new ConnectError("unavailable", Code.Unavailable);
  err.details.push({ type: "google.rpc.ErrorInfo", value: new Uint8Array([0xff, 0xff, 0xff]) });
  assert.equal(errorReason(err), undefined);
  assert.equal(isOutcomeUnknown(err), false);
});

test("the facade's ErrorInfo wins over another domain's", () => {
  const err = new ConnectError("unavailable", Code.Unavailable, undefined, [
    { desc: ErrorInfoSchema, value: { reason: "PROXY_SAYS", domain: "proxy.example.com" } },
    { desc: ErrorInfoSchema, value: { reason: "CIRCUIT_OPEN", domain: "telegent-facade" } },
  ]);
  assert.equal(errorReason(err), "CIRCUIT_OPEN");
});

test("readers decode BadRequest, ErrorInfo and RetryInfo", () => {
  const err = new ConnectError("bad", Code.Unavailable, undefined, [
    {
      desc: BadRequestSchema,
      value: {
        fieldViolations: [{ field: "account_id", reason: "string.pattern", description: "must match" }],
      },
    },
    {
      desc: ErrorInfoSchema,
      value: { reason: "UPSTREAM_UNAVAILABLE", domain: "telegent-facade", metadata: { outcome_unknown: "true" } },
    },
    { desc: RetryInfoSchema, value: { retryDelay: create(DurationSchema, { seconds: 2n, nanos: 500_000_000 }) } },
  ]);
  assert.deepEqual(fieldViolations(err), [{ field: "account_id", ruleId: "string.pattern", message: "must match" }]);
  assert.equal(errorReason(err), "UPSTREAM_UNAVAILABLE");
  assert.deepEqual(errorMetadata(err), { outcome_unknown: "true" });
  assert.equal(isOutcomeUnknown(err), true);
  assert.equal(retryDelayMs(err), 2500);
});
