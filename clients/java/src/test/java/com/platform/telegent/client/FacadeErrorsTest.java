package com.platform.telegent.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import telegent.webhook.v1.WebhookOuterClass.CreateWebhookResponse;

/** The error-detail helpers on errors built here, including errors that carry no details. */
class FacadeErrorsTest {
  static Stream<Throwable> errorsWithoutDetails() {
    return Stream.of(
        new IllegalStateException("not a gRPC error"),
        new IOException("connection reset"),
        new RuntimeException(new NullPointerException()),
        Status.UNAVAILABLE.withDescription("no details").asRuntimeException(),
        Status.INTERNAL.asException(),
        // A status whose details do not parse as what their type URL says.
        StatusProto.toStatusRuntimeException(
            com.google.rpc.Status.newBuilder()
                .setCode(Code.UNAVAILABLE_VALUE)
                .addDetails(
                    Any.newBuilder()
                        .setTypeUrl("type.googleapis.com/google.rpc.ErrorInfo")
                        .setValue(ByteString.copyFromUtf8("\u00ff\u00ff not a message")))
                .build()));
  }

  @ParameterizedTest
  @MethodSource("errorsWithoutDetails")
  void answersNothingForErrorsWithoutDetails(Throwable error) {
    assertEquals(List.of(), FacadeErrors.fieldViolations(error));
    assertEquals(Optional.empty(), FacadeErrors.errorInfo(error));
    assertEquals(Optional.empty(), FacadeErrors.errorReason(error));
    assertEquals(Map.of(), FacadeErrors.errorMetadata(error));
    assertEquals(OptionalLong.empty(), FacadeErrors.retryDelayMs(error));
    assertFalse(FacadeErrors.isOutcomeUnknown(error));
  }

  @Test
  void answersNothingForNull() {
    assertEquals(List.of(), FacadeErrors.fieldViolations(null));
    assertEquals(Optional.empty(), FacadeErrors.errorReason(null));
    assertEquals(Map.of(), FacadeErrors.errorMetadata(null));
    assertEquals(OptionalLong.empty(), FacadeErrors.retryDelayMs(null));
    assertFalse(FacadeErrors.isOutcomeUnknown(null));
    assertFalse(FacadeErrors.isRecovered(null));
  }

  @Test
  void readsEveryDetail() {
    com.google.rpc.Status status =
        com.google.rpc.Status.newBuilder()
            .setCode(Code.UNAVAILABLE_VALUE)
            .setMessage("Telegent is unavailable; retry later")
            .addDetails(
                Any.pack(
                    ErrorInfo.newBuilder()
                        .setReason("UPSTREAM_UNAVAILABLE")
                        .putMetadata("outcome_unknown", "true")
                        .putMetadata("upstream_status", "502")
                        .build()))
            .addDetails(
                Any.pack(
                    RetryInfo.newBuilder()
                        .setRetryDelay(com.google.protobuf.Duration.newBuilder().setSeconds(2).setNanos(500_000_000))
                        .build()))
            .addDetails(
                Any.pack(
                    BadRequest.newBuilder()
                        .addFieldViolations(
                            BadRequest.FieldViolation.newBuilder()
                                .setField("account_id")
                                .setReason("string.pattern")
                                .setDescription("value does not match regex pattern"))
                        .build()))
            .build();
    // Wrapped, as a caller's own exception may wrap the gRPC one.
    Throwable error = new IllegalStateException("create failed", StatusProto.toStatusRuntimeException(status));

    assertEquals(Optional.of("UPSTREAM_UNAVAILABLE"), FacadeErrors.errorReason(error));
    assertTrue(FacadeErrors.isOutcomeUnknown(error));
    assertEquals(
        Map.of("outcome_unknown", "true", "upstream_status", "502"), FacadeErrors.errorMetadata(error));
    assertEquals(OptionalLong.of(2500), FacadeErrors.retryDelayMs(error));
    assertEquals(
        List.of(new FieldViolation("account_id", "string.pattern", "value does not match regex pattern")),
        FacadeErrors.fieldViolations(error));
  }

  @Test
  void outcomeIsKnownUnlessMetadataSaysTrue() {
    Throwable error =
        StatusProto.toStatusRuntimeException(
            com.google.rpc.Status.newBuilder()
                .setCode(Code.ALREADY_EXISTS_VALUE)
                .addDetails(
                    Any.pack(
                        ErrorInfo.newBuilder()
                            .setReason("UPSTREAM_CONFLICT")
                            .putMetadata("outcome_unknown", "false")
                            .build()))
                .build());

    assertFalse(FacadeErrors.isOutcomeUnknown(error));
    assertEquals(Optional.of("UPSTREAM_CONFLICT"), FacadeErrors.errorReason(error));
    assertEquals(OptionalLong.empty(), FacadeErrors.retryDelayMs(error));
  }

  @Test
  void readsTheRecoveredFlag() {
    assertTrue(FacadeErrors.isRecovered(CreateWebhookResponse.newBuilder().setRecovered(true).build()));
    assertFalse(FacadeErrors.isRecovered(CreateWebhookResponse.getDefaultInstance()));
    assertTrue(FacadeErrors.isReplayed(CreateWebhookResponse.newBuilder().setReplayed(true).build()));
    assertFalse(FacadeErrors.isReplayed(CreateWebhookResponse.getDefaultInstance()));
    assertFalse(FacadeErrors.isReplayed(null));
  }
}
