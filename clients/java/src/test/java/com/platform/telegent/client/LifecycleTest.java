package com.platform.telegent.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import telegent.webhook.v1.WebhookOuterClass.AuthenticationType;
import telegent.webhook.v1.WebhookOuterClass.CreateWebhookRequest;
import telegent.webhook.v1.WebhookOuterClass.DeleteWebhookRequest;
import telegent.webhook.v1.WebhookOuterClass.GetWebhookRequest;
import telegent.webhook.v1.WebhookOuterClass.ListWebhooksRequest;
import telegent.webhook.v1.WebhookOuterClass.ListWebhooksResponse;
import telegent.webhook.v1.WebhookOuterClass.UpdateWebhookRequest;
import telegent.webhook.v1.WebhookOuterClass.Webhook;
import telegent.webhook.v1.WebhookOuterClass.WebhookEvent;
import telegent.webhook.v1.WebhookServiceGrpc;
import telegent.webhook.v1.WebhookServiceGrpc.WebhookServiceBlockingStub;

/**
 * Get, list, update and delete through the client against the real facade and simulator: a
 * webhook's whole life, and the pages of an account's list.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LifecycleTest {
  private RunningFacade facade;
  private ManagedChannel channel;
  private WebhookServiceBlockingStub stub;

  @BeforeAll
  void start() throws Exception {
    facade = RunningFacade.startIfPresent("LifecycleTest", Path.of("target", "facade-logs-lifecycle"));
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

  /** An account of its own for each test, so that lists hold only that test's webhooks. */
  private static String freshAccount() {
    return "AID-java" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }

  private Webhook create(String account, String url) {
    return stub.createWebhook(
            CreateWebhookRequest.newBuilder()
                .setAccountId(account)
                .setWebhookUrl(url)
                .setAuthenticationType(AuthenticationType.AUTHENTICATION_TYPE_BASIC)
                .setAuthenticationUsername("hook_user")
                .setAuthenticationPassword("first-Passw0rd")
                .addSubscribedEvents(WebhookEvent.WEBHOOK_EVENT_NEW_SMS)
                .addSubscribedEvents(WebhookEvent.WEBHOOK_EVENT_ORDER_UPDATE)
                .build())
        .getWebhook();
  }

  private static GetWebhookRequest get(String account, String id) {
    return GetWebhookRequest.newBuilder().setAccountId(account).setWebhookId(id).build();
  }

  private static DeleteWebhookRequest delete(String account, String id) {
    return DeleteWebhookRequest.newBuilder().setAccountId(account).setWebhookId(id).build();
  }

  @Test
  void createListGetUpdateThePasswordDeleteAndNotFound() throws Exception {
    String account = freshAccount();
    String url = RunningFacade.hookUrl("lifecycle", "");
    Webhook created = create(account, url);
    String id = created.getWebhookId();
    assertTrue(created.getPasswordSet(), created.toString());

    assertEquals(List.of(created), Webhooks.listAll(stub, account));
    assertEquals(created, stub.getWebhook(get(account, id)).getWebhook());

    // Only the password: no mask, no settings.
    Webhook updated =
        stub.updateWebhook(
                UpdateWebhookRequest.newBuilder()
                    .setAccountId(account)
                    .setWebhookId(id)
                    .setAuthenticationPassword("second-Passw0rd")
                    .build())
            .getWebhook();

    assertEquals(created, updated, "everything but the password as it was");
    assertEquals(List.of(created), Webhooks.listAll(stub, account));
    Map<String, Object> stored = facade.storedWebhooks(account).get(0);
    assertEquals("second-Passw0rd", stored.get("AuthenticationPassword"), "Telegent has the new password");
    assertEquals(url, stored.get("WebhookUrl"));
    assertEquals("hook_user", stored.get("AuthenticationUsername"));
    assertFalse(updated.toString().contains("Passw0rd"), "no answer carries a password");

    double createsBefore = facade.counters().get("createsAttempted");
    stub.deleteWebhook(delete(account, id));

    assertEquals(List.of(), Webhooks.listAll(stub, account));
    StatusRuntimeException getError =
        assertThrows(StatusRuntimeException.class, () -> stub.getWebhook(get(account, id)));
    assertEquals(Status.Code.NOT_FOUND, getError.getStatus().getCode());
    assertEquals(Optional.of("WEBHOOK_NOT_FOUND"), FacadeErrors.errorReason(getError));
    StatusRuntimeException deleteError =
        assertThrows(StatusRuntimeException.class, () -> stub.deleteWebhook(delete(account, id)));
    assertEquals(Status.Code.NOT_FOUND, deleteError.getStatus().getCode());
    assertEquals(Optional.of("WEBHOOK_NOT_FOUND"), FacadeErrors.errorReason(deleteError));
    assertEquals(createsBefore, facade.counters().get("createsAttempted"), "nothing sent to create");
    assertEquals(List.of(), facade.storedWebhooks(account));
  }

  @Test
  void refusesAnUpdateThatWouldLoseThePassword() throws Exception {
    String account = freshAccount();
    Webhook created = create(account, RunningFacade.hookUrl("keep-password", ""));
    double updatesBefore = facade.counters().get("updatesAttempted");

    StatusRuntimeException error =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                stub.updateWebhook(
                    UpdateWebhookRequest.newBuilder()
                        .setAccountId(account)
                        .setWebhookId(created.getWebhookId())
                        .setWebhook(Webhook.newBuilder().setWebhookUrl(RunningFacade.hookUrl("moved", "")))
                        .build()));

    assertEquals(Status.Code.INVALID_ARGUMENT, error.getStatus().getCode());
    assertEquals(
        List.of("authentication_password"),
        FacadeErrors.fieldViolations(error).stream().map(FieldViolation::field).toList());
    assertEquals(updatesBefore, facade.counters().get("updatesAttempted"), "nothing sent to Telegent");
    assertEquals(created, stub.getWebhook(get(account, created.getWebhookId())).getWebhook());
  }

  @Test
  void listsEveryPageInWebhookIdOrder() throws Exception {
    String account = freshAccount();
    List<String> ids =
        List.of(
                create(account, RunningFacade.hookUrl("page", "")),
                create(account, RunningFacade.hookUrl("page", "")),
                create(account, RunningFacade.hookUrl("page", "")))
            .stream()
            .map(Webhook::getWebhookId)
            .sorted()
            .toList();

    ListWebhooksResponse firstPage =
        stub.listWebhooks(ListWebhooksRequest.newBuilder().setAccountId(account).setPageSize(2).build());

    assertEquals(ids.subList(0, 2), firstPage.getWebhooksList().stream().map(Webhook::getWebhookId).toList());
    assertFalse(firstPage.getNextPageToken().isEmpty());
    assertEquals(ids, Webhooks.listAll(stub, account, 2).stream().map(Webhook::getWebhookId).toList());
    assertEquals(ids, Webhooks.listAll(stub, account).stream().map(Webhook::getWebhookId).toList());
  }

  @Test
  void reportsEveryFieldViolationOfALifecycleRequest() {
    StatusRuntimeException error =
        assertThrows(
            StatusRuntimeException.class,
            () -> stub.getWebhook(GetWebhookRequest.newBuilder().setAccountId("nope").setWebhookId("nope").build()));

    assertEquals(Status.Code.INVALID_ARGUMENT, error.getStatus().getCode());
    assertEquals(
        List.of("account_id", "webhook_id"),
        FacadeErrors.fieldViolations(error).stream().map(FieldViolation::field).sorted().toList());
  }
}
