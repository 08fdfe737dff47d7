package com.platform.telegent.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import telegent.webhook.v1.WebhookOuterClass.CreateWebhookRequest;
import telegent.webhook.v1.WebhookOuterClass.CreateWebhookResponse;
import telegent.webhook.v1.WebhookOuterClass.Webhook;
import telegent.webhook.v1.WebhookOuterClass.WebhookEvent;
import telegent.webhook.v1.WebhookServiceGrpc;
import telegent.webhook.v1.WebhookServiceGrpc.WebhookServiceBlockingStub;

/**
 * What a caller's repeat of a call gets from the real facade when it reuses the call's {@code
 * request_id}: the first call's answer, and never a second webhook.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IdempotentRepeatTest {
  private RunningFacade facade;
  private ManagedChannel channel;
  private WebhookServiceBlockingStub stub;

  @BeforeAll
  void start() throws Exception {
    facade = RunningFacade.startIfPresent("IdempotentRepeatTest", Path.of("target", "facade-logs-idempotency"));
    if (facade == null) {
      return;
    }
    channel = TelegentChannels.forTarget(facade.grpcTarget()).usePlaintext().build();
    stub = WebhookServiceGrpc.newBlockingStub(channel);
  }

  @BeforeEach
  void needsTheBinaries() {
    RunningFacade.assumeRunning(facade);
  }

  @AfterAll
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(30, TimeUnit.SECONDS);
    }
    if (facade != null) {
      facade.close();
    }
  }

  private static CreateWebhookRequest request(String webhookUrl, String requestId) {
    return CreateWebhookRequest.newBuilder()
        .setAccountId("AID-java2")
        .setWebhookUrl(webhookUrl)
        .addSubscribedEvents(WebhookEvent.WEBHOOK_EVENT_ORDER_UPDATE)
        .setRequestId(requestId)
        .build();
  }

  @Test
  void answersARepeatWithTheFirstWebhook() throws Exception {
    String url = RunningFacade.hookUrl("repeat", "");
    CreateWebhookRequest request = request(url, UUID.randomUUID().toString());

    Webhook created = stub.createWebhook(request).getWebhook();
    Webhook repeated = stub.createWebhook(request).getWebhook();

    assertEquals(created, repeated);
    assertEquals(1, facade.createsFor(url));
  }

  @Test
  void theIdOfARetriedCallRepeatsItsWebhook() throws Exception {
    // A channel whose innermost interceptor records the request as it goes
    // out, after RequestIdInterceptor gave it an id (interceptors added to a
    // builder first run last).
    AtomicReference<CreateWebhookRequest> sent = new AtomicReference<>();
    ClientInterceptor recorder =
        new ClientInterceptor() {
          @Override
          public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
              MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
            return new SimpleForwardingClientCall<>(next.newCall(method, callOptions)) {
              @Override
              public void sendMessage(ReqT message) {
                sent.set((CreateWebhookRequest) message);
                super.sendMessage(message);
              }
            };
          }
        };
    ManagedChannel recorded =
        TelegentChannels.configure(
                ManagedChannelBuilder.forTarget(facade.grpcTarget()).usePlaintext().intercept(recorder))
            .build();
    try {
      String url = RunningFacade.hookUrl("retried", "status:503;once");
      AttemptCounter counter = new AttemptCounter();

      Webhook created =
          WebhookServiceGrpc.newBlockingStub(recorded)
              .withInterceptors(counter)
              .createWebhook(request(url, ""))
              .getWebhook();

      assertEquals(2, counter.attempts(), "one failed attempt, one retry");
      String requestId = sent.get().getRequestId();
      assertEquals(4, UUID.fromString(requestId).version());
      assertEquals(created, stub.createWebhook(request(url, requestId)).getWebhook());
      assertEquals(1, facade.createsFor(url));
    } finally {
      recorded.shutdownNow().awaitTermination(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void refusesTheSameIdForAnotherRequest() throws Exception {
    String requestId = UUID.randomUUID().toString();
    stub.createWebhook(request(RunningFacade.hookUrl("first", ""), requestId));
    String otherUrl = RunningFacade.hookUrl("other", "");

    StatusRuntimeException error =
        assertThrows(StatusRuntimeException.class, () -> stub.createWebhook(request(otherUrl, requestId)));

    assertEquals(Status.Code.INVALID_ARGUMENT, error.getStatus().getCode());
    assertEquals(Optional.of("REQUEST_ID_REUSED"), FacadeErrors.errorReason(error));
    assertEquals(0, facade.createsFor(otherUrl));
  }

  @Test
  void answersEveryRepeatOfAnUnknownOutcomeWithTheWebhookItMade() throws Exception {
    // Every create at this URL is stored and then its answer dropped: a repeat
    // that reached Telegent again would store a second webhook.
    String url = RunningFacade.hookUrl("dropped", "drop:after-body");
    CreateWebhookRequest request = request(url, UUID.randomUUID().toString());

    CreateWebhookResponse first = stub.createWebhook(request);
    CreateWebhookResponse repeat = stub.createWebhook(request);

    assertTrue(FacadeErrors.isRecovered(first), first.toString());
    assertTrue(FacadeErrors.isRecovered(repeat), repeat.toString());
    assertEquals(first.getWebhook(), repeat.getWebhook());
    assertEquals(1, facade.createsFor(url));
  }
}
