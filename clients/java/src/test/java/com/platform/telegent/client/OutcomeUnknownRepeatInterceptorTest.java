package com.platform.telegent.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ClientStreamTracer;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import telegent.webhook.v1.WebhookOuterClass.CreateWebhookRequest;
import telegent.webhook.v1.WebhookOuterClass.CreateWebhookResponse;
import telegent.webhook.v1.WebhookOuterClass.GetWebhookRequest;
import telegent.webhook.v1.WebhookOuterClass.GetWebhookResponse;
import telegent.webhook.v1.WebhookOuterClass.Webhook;
import telegent.webhook.v1.WebhookServiceGrpc;

/**
 * The repeat of outcome-unknown calls, against an in-process server that answers each attempt
 * from a script and records the requests it saw.
 */
class OutcomeUnknownRepeatInterceptorTest {
  private static final com.google.rpc.Status OUTCOME_UNKNOWN = outcomeUnknown(true);

  private final List<CreateWebhookRequest> seen = new CopyOnWriteArrayList<>();
  private final List<GetWebhookRequest> seenGets = new CopyOnWriteArrayList<>();
  /** What the server answers to each attempt, in order; null means the webhook. */
  private final Deque<com.google.rpc.Status> script = new ArrayDeque<>();
  private Server server;
  private String name;
  private ManagedChannel channel;

  private static com.google.rpc.Status outcomeUnknown(boolean unknown) {
    return com.google.rpc.Status.newBuilder()
        .setCode(Code.UNAVAILABLE_VALUE)
        .setMessage("Telegent gave no definite answer")
        .addDetails(
            Any.pack(
                ErrorInfo.newBuilder()
                    .setReason("UPSTREAM_UNAVAILABLE")
                    .putMetadata("outcome_unknown", Boolean.toString(unknown))
                    .build()))
        .build();
  }

  /** The trailer with which the facade tells gRPC's retry policy not to retry, as it does here. */
  private static Metadata noRetry() {
    Metadata trailers = new Metadata();
    trailers.put(Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER), "-1");
    return trailers;
  }

  @BeforeEach
  void start() throws Exception {
    name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .addService(
                new WebhookServiceGrpc.WebhookServiceImplBase() {
                  @Override
                  public void createWebhook(
                      CreateWebhookRequest request, StreamObserver<CreateWebhookResponse> responses) {
                    seen.add(request);
                    com.google.rpc.Status answer;
                    synchronized (script) {
                      answer = script.poll();
                    }
                    if (answer != null) {
                      responses.onError(StatusProto.toStatusRuntimeException(answer, noRetry()));
                      return;
                    }
                    responses.onNext(
                        CreateWebhookResponse.newBuilder()
                            .setWebhook(Webhook.newBuilder().setWebhookId("WID-1"))
                            .setRecovered(seen.size() > 1)
                            .build());
                    responses.onCompleted();
                  }

                  @Override
                  public void getWebhook(GetWebhookRequest request, StreamObserver<GetWebhookResponse> responses) {
                    seenGets.add(request);
                    responses.onError(StatusProto.toStatusRuntimeException(OUTCOME_UNKNOWN, noRetry()));
                  }
                })
            .build()
            .start();
    channel = channel(new OutcomeUnknownRepeatInterceptor(3, Duration.ZERO, Duration.ZERO, 1));
  }

  private ManagedChannel channel(OutcomeUnknownRepeatInterceptor repeat) {
    return InProcessChannelBuilder.forName(name).intercept(repeat).intercept(new RequestIdInterceptor()).build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(30, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(30, TimeUnit.SECONDS);
  }

  private static CreateWebhookRequest request(String requestId) {
    return CreateWebhookRequest.newBuilder().setAccountId("AID-1").setRequestId(requestId).build();
  }

  @Test
  void repeatsTheSameRequestUntilTheOutcomeIsKnown() {
    script.add(OUTCOME_UNKNOWN);

    CreateWebhookResponse response = WebhookServiceGrpc.newBlockingStub(channel).createWebhook(request(""));

    assertTrue(FacadeErrors.isRecovered(response));
    assertEquals(2, seen.size());
    assertEquals(seen.get(0), seen.get(1), "the repeat is the same request, request_id included");
    assertEquals(4, UUID.fromString(seen.get(0).getRequestId()).version());
  }

  @Test
  void stopsAtMaxAttemptsWithTheLastAnswer() {
    script.add(OUTCOME_UNKNOWN);
    script.add(OUTCOME_UNKNOWN);
    script.add(outcomeUnknown(true));
    script.add(OUTCOME_UNKNOWN);

    StatusRuntimeException error =
        assertThrows(
            StatusRuntimeException.class,
            () -> WebhookServiceGrpc.newBlockingStub(channel).createWebhook(request(UUID.randomUUID().toString())));

    assertTrue(FacadeErrors.isOutcomeUnknown(error));
    assertEquals(3, seen.size());
    assertEquals(1, seen.stream().distinct().count());
  }

  @Test
  void neverRepeatsADefiniteFailure() {
    script.add(outcomeUnknown(false));

    StatusRuntimeException error =
        assertThrows(
            StatusRuntimeException.class,
            () -> WebhookServiceGrpc.newBlockingStub(channel).createWebhook(request(UUID.randomUUID().toString())));

    assertEquals(Status.Code.UNAVAILABLE, error.getStatus().getCode());
    assertEquals(1, seen.size());
  }

  @Test
  void neverRepeatsWithoutARequestId() throws Exception {
    // No RequestIdInterceptor: without an id, a repeat could create a second webhook.
    ManagedChannel bare =
        InProcessChannelBuilder.forName(name)
            .intercept(new OutcomeUnknownRepeatInterceptor(3, Duration.ZERO, Duration.ZERO, 1))
            .build();
    try {
      script.add(OUTCOME_UNKNOWN);

      StatusRuntimeException error =
          assertThrows(StatusRuntimeException.class, () -> WebhookServiceGrpc.newBlockingStub(bare).createWebhook(request("")));

      assertTrue(FacadeErrors.isOutcomeUnknown(error));
      assertEquals(1, seen.size());
    } finally {
      bare.shutdownNow().awaitTermination(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void leavesMethodsWithoutARequestIdAlone() {
    StatusRuntimeException error =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                WebhookServiceGrpc.newBlockingStub(channel)
                    .getWebhook(GetWebhookRequest.newBuilder().setAccountId("AID-1").setWebhookId("WID-1").build()));

    assertTrue(FacadeErrors.isOutcomeUnknown(error));
    assertEquals(1, seenGets.size());
  }

  @Test
  void aCancellationDuringTheBackoffEndsTheCall() throws Exception {
    ManagedChannel slow = channel(new OutcomeUnknownRepeatInterceptor(3, Duration.ofHours(1), Duration.ofHours(1), 1));
    try {
      script.add(OUTCOME_UNKNOWN);
      AtomicInteger closedAttempts = new AtomicInteger();
      ClientStreamTracer.Factory tracer =
          new ClientStreamTracer.Factory() {
            @Override
            public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
              return new ClientStreamTracer() {
                @Override
                public void streamClosed(Status status) {
                  closedAttempts.incrementAndGet();
                }
              };
            }
          };
      CompletableFuture<Status> closed = new CompletableFuture<>();
      ClientCall<CreateWebhookRequest, CreateWebhookResponse> call =
          slow.newCall(WebhookServiceGrpc.getCreateWebhookMethod(), CallOptions.DEFAULT.withStreamTracerFactory(tracer));
      call.start(
          new ClientCall.Listener<>() {
            @Override
            public void onClose(Status status, Metadata trailers) {
              closed.complete(status);
            }
          },
          new Metadata());
      call.request(1);
      call.sendMessage(request(UUID.randomUUID().toString()));
      call.halfClose();
      // The first attempt ended; the repeat waits up to the jittered hour.
      assertTrue(pollUntil(() -> closedAttempts.get() == 1));

      call.cancel("caller gave up", null);

      assertEquals(Status.Code.CANCELLED, closed.get(30, TimeUnit.SECONDS).getCode());
      assertEquals(1, seen.size(), "no repeat after the cancellation");
    } finally {
      slow.shutdownNow().awaitTermination(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void thePublishedPolicyBoundsTheRepeats() {
    // service_config.json: 3 attempts for CreateWebhook, 0.2 s doubled up to 2 s.
    ManagedChannel published =
        TelegentChannels.configure(InProcessChannelBuilder.forName(name)).build();
    try {
      for (int i = 0; i < 5; i++) {
        script.add(OUTCOME_UNKNOWN);
      }
      assertThrows(
          StatusRuntimeException.class,
          () -> WebhookServiceGrpc.newBlockingStub(published).createWebhook(request("")));
      assertEquals(3, seen.size());
    } finally {
      published.shutdownNow();
    }
  }

  private static boolean pollUntil(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(10);
    }
    return false;
  }
}
