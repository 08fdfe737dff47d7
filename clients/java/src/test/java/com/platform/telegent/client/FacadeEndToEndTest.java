package com.platform.telegent.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.DynamicMessage;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import telegent.webhook.v1.WebhookOuterClass.AuthenticationType;
import telegent.webhook.v1.WebhookOuterClass.CreateWebhookRequest;
import telegent.webhook.v1.WebhookOuterClass.CreateWebhookResponse;
import telegent.webhook.v1.WebhookOuterClass.WebhookEvent;
import telegent.webhook.v1.WebhookServiceGrpc;
import telegent.webhook.v1.WebhookServiceGrpc.WebhookServiceBlockingStub;

/** The client against the real facade binary, which runs against the Telegent simulator. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FacadeEndToEndTest {
  private RunningFacade facade;
  private ManagedChannel channel;

  @BeforeAll
  void start() throws Exception {
    facade = RunningFacade.startIfPresent("FacadeEndToEndTest", Path.of("target", "facade-logs"));
    if (facade == null) {
      return;
    }
    channel = TelegentChannels.forTarget(facade.grpcTarget()).usePlaintext().build();
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

  private WebhookServiceBlockingStub stub(AttemptCounter counter) {
    return WebhookServiceGrpc.newBlockingStub(channel).withInterceptors(counter);
  }

  private static CreateWebhookRequest request(String webhookUrl) {
    return CreateWebhookRequest.newBuilder()
        .setAccountId("AID-java1")
        .setWebhookUrl(webhookUrl)
        .addSubscribedEvents(WebhookEvent.WEBHOOK_EVENT_NEW_SMS)
        .addSubscribedEvents(WebhookEvent.WEBHOOK_EVENT_CALL_COMPLETED)
        .build();
  }

  @Test
  void callsTheServiceLoadedThroughServerReflection() throws Exception {
    String serviceName = WebhookServiceGrpc.SERVICE_NAME;
    assertTrue(ReflectionClient.listServices(channel).contains(serviceName));
    ServiceDescriptor service = ReflectionClient.loadService(channel, serviceName);
    MethodDescriptor create = service.findMethodByName("CreateWebhook");
    Descriptor input = create.getInputType();
    String url = RunningFacade.hookUrl("reflection", "");
    DynamicMessage request =
        DynamicMessage.newBuilder(input)
            .setField(input.findFieldByName("account_id"), "AID-java1")
            .setField(input.findFieldByName("webhook_url"), url)
            .addRepeatedField(
                input.findFieldByName("subscribed_events"),
                input.findFieldByName("subscribed_events").getEnumType().findValueByName("WEBHOOK_EVENT_ORDER_UPDATE"))
            .build();
    io.grpc.MethodDescriptor<DynamicMessage, DynamicMessage> method =
        io.grpc.MethodDescriptor.<DynamicMessage, DynamicMessage>newBuilder()
            .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(io.grpc.MethodDescriptor.generateFullMethodName(serviceName, create.getName()))
            .setRequestMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(input)))
            .setResponseMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(create.getOutputType())))
            .build();

    DynamicMessage response = ClientCalls.blockingUnaryCall(channel, method, CallOptions.DEFAULT, request);

    DynamicMessage webhook =
        (DynamicMessage) response.getField(create.getOutputType().findFieldByName("webhook"));
    String id = (String) webhook.getField(webhook.getDescriptorForType().findFieldByName("webhook_id"));
    assertTrue(id.startsWith("WID-"), response.toString());
    assertEquals(1, facade.createsFor(url));
  }

  @Test
  void createsAWebhook() throws Exception {
    String url = RunningFacade.hookUrl("ok", "");
    AttemptCounter counter = new AttemptCounter();

    CreateWebhookResponse response = stub(counter).createWebhook(request(url));

    assertTrue(response.getWebhook().getWebhookId().startsWith("WID-"), response.toString());
    assertEquals("AID-java1", response.getWebhook().getAccountId());
    assertEquals(url, response.getWebhook().getWebhookUrl());
    assertEquals(
        List.of(WebhookEvent.WEBHOOK_EVENT_NEW_SMS, WebhookEvent.WEBHOOK_EVENT_CALL_COMPLETED),
        response.getWebhook().getSubscribedEventsList());
    assertEquals(1, counter.attempts());
    assertEquals(1, facade.createsFor(url));
  }

  @Test
  void decodesEveryFieldViolation() throws Exception {
    double attemptedBefore = facade.counters().get("createsAttempted");
    CreateWebhookRequest invalid =
        CreateWebhookRequest.newBuilder()
            .setAccountId("not-an-account")
            .setWebhookUrl(RunningFacade.hookUrl("invalid", ""))
            .setAuthenticationType(AuthenticationType.AUTHENTICATION_TYPE_TOKEN)
            .build();

    StatusRuntimeException error =
        assertThrows(StatusRuntimeException.class, () -> stub(new AttemptCounter()).createWebhook(invalid));

    assertEquals(Status.Code.INVALID_ARGUMENT, error.getStatus().getCode());
    Map<String, FieldViolation> byField =
        FacadeErrors.fieldViolations(error).stream()
            .collect(Collectors.toMap(FieldViolation::field, v -> v));
    assertEquals(Set.of("account_id", "subscribed_events", "authentication_token"), byField.keySet());
    assertEquals("account_id.format", byField.get("account_id").ruleId());
    assertEquals("repeated.min_items", byField.get("subscribed_events").ruleId());
    assertEquals(
        "authentication_token.required_for_token", byField.get("authentication_token").ruleId());
    byField.values().forEach(v -> assertFalse(v.message().isEmpty(), v.toString()));
    assertFalse(FacadeErrors.isOutcomeUnknown(error));
    assertEquals(attemptedBefore, facade.counters().get("createsAttempted"), "nothing invalid reaches Telegent");
  }

  @Test
  void reportsAnUpstreamConflictAsAlreadyExists() throws Exception {
    String url = RunningFacade.hookUrl("conflict", "status:409");

    StatusRuntimeException error =
        assertThrows(StatusRuntimeException.class, () -> stub(new AttemptCounter()).createWebhook(request(url)));

    assertEquals(Status.Code.ALREADY_EXISTS, error.getStatus().getCode());
    assertEquals(Optional.of("UPSTREAM_CONFLICT"), FacadeErrors.errorReason(error));
    assertFalse(FacadeErrors.isOutcomeUnknown(error));
    assertEquals(0, facade.createsFor(url));
  }

  @Test
  void resolvesAnUnknownOutcomeByRepeatingWithTheSameRequestId() throws Exception {
    // Telegent stores the webhook, then the connection drops before it answers: the
    // first attempt ends outcome unknown, the facade invites a repeat, the channel's
    // retry policy makes it with the same request_id, and the facade finds the webhook
    // instead of creating a second one.
    String url = RunningFacade.hookUrl("dropped", "drop:after-body");
    AttemptCounter counter = new AttemptCounter();

    CreateWebhookResponse response = stub(counter).createWebhook(request(url));

    assertTrue(FacadeErrors.isRecovered(response), response.toString());
    assertTrue(response.getWebhook().getWebhookId().startsWith("WID-"), response.toString());
    assertEquals(url, response.getWebhook().getWebhookUrl());
    assertEquals(2, counter.attempts(), "the first attempt and one repeat");
    assertEquals(1, facade.createsFor(url));
  }

  @Test
  void neverRepeatsAnUnknownOutcomeWithoutARequestId() throws Exception {
    // The service config's retry policy without the request id: the facade's pushback
    // tells gRPC not to retry a create that may have created a webhook, since a repeat
    // without an id could create a second one.
    ManagedChannel policyOnly =
        ManagedChannelBuilder.forTarget(facade.grpcTarget())
            .usePlaintext()
            .defaultServiceConfig(TelegentChannels.serviceConfig())
            .enableRetry()
            .build();
    try {
      String url = RunningFacade.hookUrl("no-request-id", "drop:after-body");
      AttemptCounter counter = new AttemptCounter();

      StatusRuntimeException error =
          assertThrows(
              StatusRuntimeException.class,
              () -> WebhookServiceGrpc.newBlockingStub(policyOnly).withInterceptors(counter).createWebhook(request(url)));

      assertEquals(Status.Code.UNAVAILABLE, error.getStatus().getCode());
      assertTrue(FacadeErrors.isOutcomeUnknown(error), error.toString());
      assertTrue(FacadeErrors.errorReason(error).isPresent());
      assertEquals(1, counter.attempts());
      assertEquals(1, facade.createsFor(url));
    } finally {
      policyOnly.shutdownNow().awaitTermination(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void retriesAnUpstream503Once() throws Exception {
    String url = RunningFacade.hookUrl("unavailable-once", "status:503;once");
    AttemptCounter counter = new AttemptCounter();

    CreateWebhookResponse response = stub(counter).createWebhook(request(url));

    assertTrue(response.getWebhook().getWebhookId().startsWith("WID-"), response.toString());
    assertEquals(2, counter.attempts(), "one failed attempt, one retry");
    assertEquals(1, facade.createsFor(url));
  }

  @Test
  void repeatsAnUpstream500WithinThePolicysAttempts() throws Exception {
    // A 500 may hide a created webhook, so the facade answers outcome unknown; here
    // Telegent created nothing, every time: the retry policy repeats with the same
    // request_id up to its three attempts, and the error stays unknown.
    String url = RunningFacade.hookUrl("internal-error", "status:500");
    AttemptCounter counter = new AttemptCounter();

    StatusRuntimeException error =
        assertThrows(StatusRuntimeException.class, () -> stub(counter).createWebhook(request(url)));

    assertEquals(Status.Code.UNAVAILABLE, error.getStatus().getCode());
    assertTrue(FacadeErrors.isOutcomeUnknown(error), error.toString());
    assertEquals(3, counter.attempts());
    assertEquals(0, facade.createsFor(url));
  }
}
