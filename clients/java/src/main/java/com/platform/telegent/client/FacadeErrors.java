package com.platform.telegent.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.grpc.protobuf.StatusProto;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import telegent.webhook.v1.WebhookOuterClass.CreateWebhookResponse;

/**
 * Reads the {@code google.rpc} details the facade attaches to a failed call.
 *
 * <p>Every method accepts any {@link Throwable}: given one that carries no gRPC status with
 * details (a local exception, a status without details), it answers "nothing" (an empty list or
 * map, an empty optional or {@code false}) and never throws. The names are the ones the
 * TypeScript and Python clients use for the same readers.
 */
public final class FacadeErrors {
  /** The ErrorInfo metadata key that marks a failure whose outcome is unknown. */
  public static final String METADATA_OUTCOME_UNKNOWN = "outcome_unknown";

  private FacadeErrors() {}

  /**
   * The field violations of a request the facade refused as invalid, one per broken rule, in the
   * order the facade reported them.
   *
   * @param error a failed call's exception
   * @return the violations, or an empty list when the error has no {@code BadRequest} detail
   */
  public static List<FieldViolation> fieldViolations(Throwable error) {
    return detail(error, BadRequest.class)
        .map(
            badRequest ->
                badRequest.getFieldViolationsList().stream()
                    .map(v -> new FieldViolation(v.getField(), v.getReason(), v.getDescription()))
                    .toList())
        .orElse(List.of());
  }

  /**
   * The {@code google.rpc.ErrorInfo} detail of a failed call.
   *
   * @param error a failed call's exception
   * @return the ErrorInfo, or empty when there is none
   */
  public static Optional<ErrorInfo> errorInfo(Throwable error) {
    return detail(error, ErrorInfo.class);
  }

  /**
   * The stable reason of a failed call, e.g. {@code UPSTREAM_CONFLICT}.
   *
   * @param error a failed call's exception
   * @return the ErrorInfo reason, or empty when there is no ErrorInfo
   */
  public static Optional<String> errorReason(Throwable error) {
    return errorInfo(error).map(ErrorInfo::getReason).filter(reason -> !reason.isEmpty());
  }

  /**
   * The metadata of the failed call's {@code google.rpc.ErrorInfo}, e.g. {@code upstream_status}
   * and {@code outcome_unknown}.
   *
   * @param error a failed call's exception
   * @return the metadata (unmodifiable), or an empty map when there is no ErrorInfo
   */
  public static Map<String, String> errorMetadata(Throwable error) {
    return errorInfo(error).map(ErrorInfo::getMetadataMap).map(Map::copyOf).orElse(Map.of());
  }

  /**
   * Whether the call may have created a webhook although it failed: the request may have reached
   * Telegent and no definite answer came back. Repeat such a call only with the same {@code
   * request_id}: the facade then looks for the webhook the first call made and answers with it
   * ({@link #isRecovered}), or creates it. A channel from {@link TelegentChannels} makes that
   * repeat itself when the facade invites it, within the published retry policy: an error that
   * still says unknown has been repeated already.
   *
   * @param error a failed call's exception
   * @return true when the ErrorInfo metadata says {@code outcome_unknown == "true"}
   */
  public static boolean isOutcomeUnknown(Throwable error) {
    return errorInfo(error)
        .map(info -> "true".equals(info.getMetadataOrDefault(METADATA_OUTCOME_UNKNOWN, "")))
        .orElse(false);
  }

  /**
   * How long to wait before trying again, in milliseconds, when the facade (or Telegent through
   * it) said so.
   *
   * @param error a failed call's exception
   * @return the {@code google.rpc.RetryInfo} delay, or empty when there is none
   */
  public static OptionalLong retryDelayMs(Throwable error) {
    return detail(error, RetryInfo.class)
        .filter(RetryInfo::hasRetryDelay)
        .map(RetryInfo::getRetryDelay)
        .map(d -> OptionalLong.of(d.getSeconds() * 1000 + d.getNanos() / 1_000_000))
        .orElse(OptionalLong.empty());
  }

  /**
   * Whether the facade answered this create by finding the webhook that an earlier call with the
   * same {@code request_id}, whose outcome was unknown, had created in Telegent, rather than by
   * creating one.
   *
   * @param response a create's answer
   * @return the response's {@code recovered} flag; false for null
   */
  public static boolean isRecovered(CreateWebhookResponse response) {
    return response != null && response.getRecovered();
  }

  /**
   * Whether the facade answered this create from an earlier call with the same {@code request_id}
   * (a retry, or a repeat on another replica) without calling Telegent again.
   *
   * @param response a create's answer
   * @return the response's {@code replayed} flag; false for null
   */
  public static boolean isReplayed(CreateWebhookResponse response) {
    return response != null && response.getReplayed();
  }

  /** The first detail of the given type in the error's {@code google.rpc.Status}, if any. */
  private static <T extends Message> Optional<T> detail(Throwable error, Class<T> type) {
    if (error == null) {
      return Optional.empty();
    }
    com.google.rpc.Status status = StatusProto.fromThrowable(error);
    if (status == null) {
      return Optional.empty();
    }
    for (Any any : status.getDetailsList()) {
      if (any.is(type)) {
        try {
          return Optional.of(any.unpack(type));
        } catch (InvalidProtocolBufferException e) {
          // A detail that does not parse is as good as absent: these helpers
          // describe an error, they must not raise a new one.
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }
}
