package com.platform.telegent.client;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.MethodDescriptor;
import java.util.UUID;

/**
 * Gives every call whose request has an empty {@code request_id} field a fresh UUID (version 4).
 *
 * <p>Interceptors run once per logical call, above the channel's retries: gRPC's retry policy
 * resends the message this interceptor produced, so every attempt of one call carries the same
 * id and the facade answers a repeat with the first attempt's outcome instead of creating a
 * second webhook. A {@code request_id} the caller set is left as it is.
 */
public final class RequestIdInterceptor implements ClientInterceptor {
  /** The AIP-155 request id field of the facade's mutating requests. */
  public static final String FIELD_NAME = "request_id";

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
    return new SimpleForwardingClientCall<>(next.newCall(method, callOptions)) {
      @Override
      public void sendMessage(ReqT message) {
        super.sendMessage(withRequestId(message));
      }
    };
  }

  /**
   * The message with a fresh request id when it has an empty {@code request_id} string field; the
   * message itself otherwise.
   */
  static <T> T withRequestId(T message) {
    if (!(message instanceof Message proto)) {
      return message;
    }
    FieldDescriptor field = proto.getDescriptorForType().findFieldByName(FIELD_NAME);
    if (field == null
        || field.isRepeated()
        || field.getJavaType() != FieldDescriptor.JavaType.STRING
        || !((String) proto.getField(field)).isEmpty()) {
      return message;
    }
    @SuppressWarnings("unchecked") // toBuilder().build() returns the message's own class
    T withId = (T) proto.toBuilder().setField(field, UUID.randomUUID().toString()).build();
    return withId;
  }
}
