// The request-id and retry interceptors and the service config, against an
// in-memory WebhookService whose answers each test scripts.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { create } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import {
  Code,
  ConnectError,
  createClient,
  createRouterTransport,
  type HandlerContext,
  type Interceptor,
} from "@connectrpc/connect";
import {
  CreateWebhookResponseSchema,
  ErrorInfoSchema,
  RetryInfoSchema,
  WebhookService,
  applyPolicy,
  createRequestIdInterceptor,
  createRetryInterceptor,
  methodConfig,
  parseDurationMs,
  publishedServiceConfig,
  splitPolicy,
  type CreateWebhookRequest,
  type ServiceConfig,
} from "../src/index.js";
import { repoRoot } from "./harness.js";

interface Seen {
  requestId: string;
  timeoutMs: number | undefined;
}

/**
 * A client on an in-memory WebhookService that answers attempt n with
 * answers[n] (an error to throw, or success once they run out), with the
 * request-id and retry interceptors in front.
 */
function scripted(answers: ConnectError[], options: { requestId?: boolean; timeoutMs?: number } = {}) {
  const seen: Seen[] = [];
  const transport = createRouterTransport(
    ({ service }) => {
      service(WebhookService, {
        createWebhook(req: CreateWebhookRequest, ctx: HandlerContext) {
          seen.push({
            requestId: req.requestId,
            timeoutMs: ctx.timeoutMs(),
          });
          const answer = answers[seen.length - 1];
          if (answer !== undefined) {
            throw answer;
          }
          return create(CreateWebhookResponseSchema, { webhook: { webhookId: "WID-1" } });
        },
      });
    },
    {
      transport: {
        defaultTimeoutMs: options.timeoutMs ?? 15_000,
        interceptors: [
          ...(options.requestId === false ? [] : [createRequestIdInterceptor()]),
          // No jitter wait: these tests count attempts, not time.
          createRetryInterceptor({ random: () => 0 }),
        ],
      },
    },
  );
  return { client: createClient(WebhookService, transport), seen };
}

const request = { accountId: "AID-1", webhookUrl: "https://hooks.example.com/x", subscribedEvents: [1] };

function unavailable(opts: { outcomeUnknown?: boolean; pushbackMs?: string; retryDelayMs?: number } = {}): ConnectError {
  const metadata = new Headers();
  if (opts.pushbackMs !== undefined) {
    metadata.set("grpc-retry-pushback-ms", opts.pushbackMs);
  }
  const details: ConstructorParameters<typeof ConnectError>[3] = [
    {
      desc: ErrorInfoSchema,
      value: {
        reason: "UPSTREAM_UNAVAILABLE",
        domain: "telegent-facade",
        metadata: { upstream_status: "503", outcome_unknown: String(opts.outcomeUnknown ?? false) },
      },
    },
  ];
  if (opts.retryDelayMs !== undefined) {
    details.push({
      desc: RetryInfoSchema,
      value: {
        retryDelay: create(DurationSchema, {
          seconds: BigInt(Math.floor(opts.retryDelayMs / 1000)),
          nanos: (opts.retryDelayMs % 1000) * 1e6,
        }),
      },
    });
  }
  return new ConnectError("upstream unavailable", Code.Unavailable, metadata, details);
}

async function rejects(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (err) {
    assert.ok(err instanceof ConnectError);
    return err;
  }
  assert.fail("the call succeeded");
}

describe("retry interceptor", () => {
  test("retries UNAVAILABLE up to maxAttempts, then gives the last error", async () => {
    const { client, seen } = scripted([unavailable(), unavailable(), unavailable(), unavailable()]);
    const err = await rejects(client.createWebhook(request));
    assert.equal(err.code, Code.Unavailable);
    assert.equal(seen.length, 3);
  });

  test("succeeds on a later attempt with the same request_id", async () => {
    const { client, seen } = scripted([unavailable()]);
    const res = await client.createWebhook(request);
    assert.equal(res.webhook?.webhookId, "WID-1");
    assert.equal(seen.length, 2);
    assert.notEqual(seen[0]?.requestId, "");
    assert.equal(seen[1]?.requestId, seen[0]?.requestId);
  });

  for (const code of [Code.InvalidArgument, Code.Internal, Code.AlreadyExists, Code.ResourceExhausted]) {
    test(`does not retry ${Code[code]}`, async () => {
      const { client, seen } = scripted([new ConnectError("no", code)]);
      const err = await rejects(client.createWebhook(request));
      assert.equal(err.code, code);
      assert.equal(seen.length, 1);
    });
  }

  test("does not repeat an outcome-unknown failure without a request_id", async () => {
    const { client, seen } = scripted([unavailable({ outcomeUnknown: true })], { requestId: false });
    await rejects(client.createWebhook(request));
    assert.equal(seen.length, 1);
  });

  test("repeats an outcome-unknown failure with its request_id", async () => {
    const { client, seen } = scripted([unavailable({ outcomeUnknown: true })]);
    await client.createWebhook(request);
    assert.equal(seen.length, 2);
    assert.equal(seen[1]?.requestId, seen[0]?.requestId);
  });

  test("repeats an outcome-unknown failure with its request_id when the facade's pushback invites it", async () => {
    const { client, seen } = scripted([unavailable({ outcomeUnknown: true, pushbackMs: "10" })]);
    await client.createWebhook(request);
    assert.equal(seen.length, 2);
    assert.equal(seen[1]?.requestId, seen[0]?.requestId);
  });

  test("does not repeat an outcome-unknown failure whose pushback is -1: the repeat could not resolve it", async () => {
    const { client, seen } = scripted([unavailable({ outcomeUnknown: true, pushbackMs: "-1" })]);
    await rejects(client.createWebhook(request));
    assert.equal(seen.length, 1);
  });

  test("does not repeat an outcome-unknown failure without a request_id, whatever the pushback", async () => {
    const { client, seen } = scripted([unavailable({ outcomeUnknown: true, pushbackMs: "0" })], { requestId: false });
    await rejects(client.createWebhook(request));
    assert.equal(seen.length, 1);
  });

  test("stops when the server's pushback is not a non-negative integer", async () => {
    for (const pushbackMs of ["-1", "soon"]) {
      const { client, seen } = scripted([unavailable({ pushbackMs })]);
      await rejects(client.createWebhook(request));
      assert.equal(seen.length, 1, `pushback ${pushbackMs}`);
    }
  });

  test("waits the server's pushback before retrying", async () => {
    const { client, seen } = scripted([unavailable({ pushbackMs: "300" })]);
    const start = performance.now();
    await client.createWebhook(request);
    assert.equal(seen.length, 2);
    assert.ok(performance.now() - start >= 290, "retried before the pushback had passed");
  });

  test("waits the RetryInfo delay before retrying", async () => {
    const { client, seen } = scripted([unavailable({ retryDelayMs: 300 })]);
    const start = performance.now();
    await client.createWebhook(request);
    assert.equal(seen.length, 2);
    assert.ok(performance.now() - start >= 290, "retried before the RetryInfo delay had passed");
  });

  test("gives up at once when the delay would outlast the deadline", async () => {
    const { client, seen } = scripted([unavailable({ retryDelayMs: 60_000 })]);
    const err = await rejects(client.createWebhook(request));
    assert.equal(err.code, Code.Unavailable);
    assert.equal(seen.length, 1);
  });

  test("tells a retry the time left, not the whole timeout again", async () => {
    const { client, seen } = scripted([unavailable({ pushbackMs: "200" })], { timeoutMs: 10_000 });
    await client.createWebhook(request);
    assert.equal(seen.length, 2);
    const [first, second] = [seen[0]?.timeoutMs ?? NaN, seen[1]?.timeoutMs ?? NaN];
    assert.ok(first <= 10_000 && second < first - 150, `timeouts ${first}, ${second}`);
  });
});

describe("request-id interceptor", () => {
  test("keeps a request_id the caller set and fills an empty one with a UUID v4", async () => {
    const { client, seen } = scripted([]);
    const mine = "0b5f0b8e-3c1e-4f7a-9d2a-3f6f5d1b2c4e";
    await client.createWebhook({ ...request, requestId: mine });
    await client.createWebhook(request);
    assert.equal(seen[0]?.requestId, mine);
    assert.match(seen[1]?.requestId ?? "", /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe("service config", () => {
  test("the embedded config is service_config.json", () => {
    const file = JSON.parse(readFileSync(resolve(repoRoot, "service_config.json"), "utf8")) as ServiceConfig;
    assert.deepEqual(publishedServiceConfig, file);
  });

  test("CreateWebhook's policy is read from it", () => {
    const mc = methodConfig(publishedServiceConfig, WebhookService.typeName, "CreateWebhook");
    assert.equal(mc.timeoutMs, 15_000);
    assert.equal(mc.retryPolicy?.maxAttempts, 3);
    assert.equal(mc.retryPolicy?.initialBackoffMs, 200);
    assert.equal(mc.retryPolicy?.maxBackoffMs, 2000);
    assert.equal(mc.retryPolicy?.backoffMultiplier, 2);
    assert.deepEqual([...(mc.retryPolicy?.retryableCodes ?? [])], [Code.Unavailable]);
  });

  test("transports get the published timeout and the interceptors in order", () => {
    const mine: Interceptor = (next) => next;
    const applied = applyPolicy({ interceptors: [mine] });
    assert.equal(applied.defaultTimeoutMs, 15_000);
    assert.equal(applied.interceptors.length, 3);
    assert.equal(applied.interceptors[2], mine);
    assert.deepEqual(applyPolicy({ requestId: false, retry: false, defaultTimeoutMs: 5 }), {
      defaultTimeoutMs: 5,
      interceptors: [],
    });
  });

  test("only the transport's own options reach Connect", () => {
    const [policy, own] = splitPolicy({ baseUrl: "http://127.0.0.1:1", retry: false, defaultTimeoutMs: 7 });
    assert.deepEqual(own, { baseUrl: "http://127.0.0.1:1" });
    assert.equal(policy.retry, false);
    assert.equal(policy.defaultTimeoutMs, 7);
  });

  test("a service-wide entry applies to every method; maxAttempts is capped at 5", () => {
    const config: ServiceConfig = {
      methodConfig: [
        {
          name: [{ service: "a.B" }],
          retryPolicy: {
            maxAttempts: 9,
            initialBackoff: "1.5s",
            maxBackoff: "10s",
            backoffMultiplier: 1.5,
            retryableStatusCodes: ["RESOURCE_EXHAUSTED", "UNAVAILABLE"],
          },
        },
      ],
    };
    const rp = methodConfig(config, "a.B", "C").retryPolicy;
    assert.equal(rp?.maxAttempts, 5);
    assert.equal(rp?.initialBackoffMs, 1500);
    assert.deepEqual([...(rp?.retryableCodes ?? [])], [Code.ResourceExhausted, Code.Unavailable]);
    assert.deepEqual(methodConfig(config, "other.Service", "C"), {});
  });

  test("durations and code names are parsed strictly", () => {
    assert.equal(parseDurationMs("0.2s"), 200);
    assert.equal(parseDurationMs("15s"), 15_000);
    assert.equal(parseDurationMs("0.000000001s"), 0);
    assert.throws(() => parseDurationMs("200ms"), /parse service config duration/);
    assert.throws(
      () =>
        methodConfig(
          {
            methodConfig: [
              {
                name: [{}],
                retryPolicy: {
                  maxAttempts: 2,
                  initialBackoff: "1s",
                  maxBackoff: "1s",
                  backoffMultiplier: 1,
                  retryableStatusCodes: ["NOT_A_CODE"],
                },
              },
            ],
          },
          "a.B",
          "C",
        ),
      /unknown code/,
    );
  });
});
