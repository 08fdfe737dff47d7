package com.platform.telegent.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the attempts gRPC's retry policy makes for the calls it intercepts: the channel creates
 * one client stream tracer per attempt. Transparent retries (a stream that never reached the
 * server) are not counted.
 */
final class AttemptCounter implements ClientInterceptor {
  private final AtomicInteger attempts = new AtomicInteger();

  private final ClientStreamTracer.Factory factory =
      new ClientStreamTracer.Factory() {
        @Override
        public ClientStreamTracer newClientStreamTracer(
            ClientStreamTracer.StreamInfo info, Metadata headers) {
          if (!info.isTransparentRetry()) {
            attempts.incrementAndGet();
          }
          return new ClientStreamTracer() {};
        }
      };

  int attempts() {
    return attempts.get();
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
    return next.newCall(method, callOptions.withStreamTracerFactory(factory));
  }
}
