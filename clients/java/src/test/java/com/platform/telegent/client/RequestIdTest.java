package com.platform.telegent.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import telegent.webhook.v1.WebhookOuterClass.CreateWebhookRequest;
import telegent.webhook.v1.WebhookOuterClass.CreateWebhookResponse;
import telegent.webhook.v1.WebhookOuterClass.Webhook;
import telegent.webhook.v1.WebhookServiceGrpc;

/**
 * The request id a configured channel sends, seen by a server that records every attempt. The
 * server answers UNAVAILABLE to the first attempt of each call, which the published retry policy
 * retries.
 */
class RequestIdTest {
  private final List<String> seenIds = new CopyOnWriteArrayList<>();
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(
                new WebhookServiceGrpc.WebhookServiceImplBase() {
                  @Override
                  public void createWebhook(
                      CreateWebhookRequest request, StreamObserver<CreateWebhookResponse> responses) {
                    seenIds.add(request.getRequestId());
                    if (seenIds.size() % 2 == 1) {
                      responses.onError(Status.UNAVAILABLE.withDescription("try again").asRuntimeException());
                      return;
                    }
                    responses.onNext(
                        CreateWebhookResponse.newBuilder()
                            .setWebhook(Webhook.newBuilder().setWebhookId("WID-1"))
                            .build());
                    responses.onCompleted();
                  }
                })
            .build()
            .start();
    channel = TelegentChannels.configure(InProcessChannelBuilder.forName(name).directExecutor()).build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(30, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(30, TimeUnit.SECONDS);
  }

  @Test
  void setsAFreshIdAndReusesItAcrossTheRetry() {
    WebhookServiceGrpc.WebhookServiceBlockingStub stub = WebhookServiceGrpc.newBlockingStub(channel);

    stub.createWebhook(CreateWebhookRequest.newBuilder().setAccountId("AID-1").build());
    stub.createWebhook(CreateWebhookRequest.newBuilder().setAccountId("AID-1").build());

    assertEquals(4, seenIds.size(), "each call retried once: " + seenIds);
    UUID first = UUID.fromString(seenIds.get(0));
    assertEquals(4, first.version());
    assertEquals(seenIds.get(0), seenIds.get(1), "the retry carries the first attempt's id");
    assertEquals(seenIds.get(2), seenIds.get(3), "the retry carries the first attempt's id");
    assertNotEquals(seenIds.get(0), seenIds.get(2), "each logical call gets its own id");
    assertEquals(4, UUID.fromString(seenIds.get(2)).version());
  }

  @Test
  void keepsTheCallersId() {
    String own = UUID.randomUUID().toString();

    WebhookServiceGrpc.newBlockingStub(channel)
        .createWebhook(CreateWebhookRequest.newBuilder().setAccountId("AID-1").setRequestId(own).build());

    assertEquals(List.of(own, own), seenIds);
  }
}
