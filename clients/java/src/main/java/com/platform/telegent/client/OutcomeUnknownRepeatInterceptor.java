package com.platform.telegent.client;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Repeats a call whose outcome the facade reports as unknown ({@link
 * FacadeErrors#isOutcomeUnknown}) with the very same request, so with the same {@code request_id}:
 * the facade answers such a repeat by finding the webhook the first call made ({@link
 * FacadeErrors#isRecovered}), or by creating it when there is none. Without this, a create whose
 * connection to Telegent dropped would leave the caller with an error and, possibly, a webhook it
 * never learns about.
 *
 * <p>Only unary calls whose request has a non-empty {@code request_id} are repeated: without one the
 * facade cannot tell a repeat from a new create. gRPC's own retry policy cannot do this: the facade
 * tells it not to retry such failures (pushback {@code -1}), since a blind retry without a request
 * id would create a second webhook.
 *
 * <p>Each repeat waits a backoff first, as the published retry policy's (initial backoff, doubled up
 * to the maximum, with jitter), which also gives Telegent time to finish what it received. A call
 * is made at most {@code maxAttempts} times; the answer of the last attempt is the call's. A
 * deadline the caller set covers all attempts; without one, each attempt has the service config's
 * timeout. The attempts' responses are delivered to the caller only when the last one ends.
 */
public final class OutcomeUnknownRepeatInterceptor implements ClientInterceptor {
  private static final ScheduledExecutorService SCHEDULER =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "telegent-outcome-unknown-repeat");
            thread.setDaemon(true);
            return thread;
          });

  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final double backoffMultiplier;

  /**
   * An interceptor that makes each eligible call at most {@code maxAttempts} times.
   *
   * @param maxAttempts attempts in all, the first included (at least 1)
   * @param initialBackoff the wait before the first repeat
   * @param maxBackoff the longest wait before a repeat
   * @param backoffMultiplier how much each wait grows over the one before (at least 1)
   */
  public OutcomeUnknownRepeatInterceptor(
      int maxAttempts, Duration initialBackoff, Duration maxBackoff, double backoffMultiplier) {
    if (maxAttempts < 1 || backoffMultiplier < 1 || initialBackoff.isNegative() || maxBackoff.isNegative()) {
      throw new IllegalArgumentException("outcome-unknown repeat: maxAttempts and backoffMultiplier must be at least 1, backoffs not negative");
    }
    this.maxAttempts = maxAttempts;
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
    this.backoffMultiplier = backoffMultiplier;
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
    if (maxAttempts == 1 || method.getType() != MethodDescriptor.MethodType.UNARY || !hasRequestId(method)) {
      return next.newCall(method, callOptions);
    }
    return new RepeatingCall<>(method, callOptions, next, Context.current());
  }

  /** Whether the method's request message has a {@code request_id} string field. */
  private static boolean hasRequestId(MethodDescriptor<?, ?> method) {
    if (!(method.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<?> marshaller)
        || !(marshaller.getMessagePrototype() instanceof Message prototype)) {
      return false;
    }
    FieldDescriptor field = prototype.getDescriptorForType().findFieldByName(RequestIdInterceptor.FIELD_NAME);
    return field != null && !field.isRepeated() && field.getJavaType() == FieldDescriptor.JavaType.STRING;
  }

  private static boolean hasNonEmptyRequestId(Object message) {
    if (!(message instanceof Message proto)) {
      return false;
    }
    FieldDescriptor field = proto.getDescriptorForType().findFieldByName(RequestIdInterceptor.FIELD_NAME);
    return field != null && !((String) proto.getField(field)).isEmpty();
  }

  /** The wait before the repeat that follows {@code attempt} (1 for the first), with jitter. */
  private long backoffNanos(int attempt) {
    double nanos = initialBackoff.toNanos() * Math.pow(backoffMultiplier, attempt - 1);
    nanos = Math.min(nanos, maxBackoff.toNanos());
    // Jitter as gRPC's retries do: uniformly in [0, backoff).
    return (long) (ThreadLocalRandom.current().nextDouble() * nanos);
  }

  /**
   * One logical call made of attempts, each a call on the next channel with the same options,
   * headers and message. All state is guarded by {@code this}.
   */
  private final class RepeatingCall<ReqT, RespT> extends ClientCall<ReqT, RespT> {
    private final MethodDescriptor<ReqT, RespT> method;
    private final CallOptions callOptions;
    private final Channel next;
    private final Context context;

    private Listener<RespT> listener;
    private Metadata headers;
    private ClientCall<ReqT, RespT> current;
    private ReqT message;
    private int requested;
    private boolean halfClosed;
    private boolean cancelled;
    private boolean closed;
    private int attempt;
    private ScheduledFuture<?> pendingRepeat;

    RepeatingCall(MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next, Context context) {
      this.method = method;
      this.callOptions = callOptions;
      this.next = next;
      this.context = context;
    }

    @Override
    public synchronized void start(Listener<RespT> listener, Metadata headers) {
      this.listener = listener;
      this.headers = new Metadata();
      this.headers.merge(headers);
      startAttempt();
    }

    /** Starts the next attempt and replays onto it what the caller has done so far. */
    private void startAttempt() {
      attempt++;
      Metadata attemptHeaders = new Metadata();
      attemptHeaders.merge(headers);
      current = next.newCall(method, callOptions);
      current.start(new AttemptListener(current), attemptHeaders);
      if (requested > 0) {
        current.request(requested);
      }
      if (message != null) {
        current.sendMessage(message);
      }
      if (halfClosed) {
        current.halfClose();
      }
    }

    @Override
    public synchronized void request(int numMessages) {
      requested += numMessages;
      if (current != null) {
        current.request(numMessages);
      }
    }

    @Override
    public synchronized void sendMessage(ReqT message) {
      this.message = message;
      if (current != null) {
        current.sendMessage(message);
      }
    }

    @Override
    public synchronized void halfClose() {
      halfClosed = true;
      if (current != null) {
        current.halfClose();
      }
    }

    @Override
    public void cancel(String message, Throwable cause) {
      boolean closeHere;
      ClientCall<ReqT, RespT> toCancel;
      synchronized (this) {
        if (cancelled || closed) {
          return;
        }
        cancelled = true;
        toCancel = current;
        // Between attempts no call is running to report the cancellation. A repeat
        // that is about to start sees `cancelled` and reports it instead.
        closeHere = pendingRepeat != null && pendingRepeat.cancel(false);
        if (closeHere) {
          closed = true;
        }
      }
      if (closeHere) {
        closeCancelled(Status.CANCELLED.withDescription(message != null ? message : "call cancelled").withCause(cause));
      } else if (toCancel != null) {
        toCancel.cancel(message, cause);
      }
    }

    /** Starts the repeat the backoff waited for, unless the call was cancelled meanwhile. */
    private void repeat() {
      synchronized (this) {
        pendingRepeat = null;
        if (!cancelled) {
          context.run(this::startAttempt);
          return;
        }
        closed = true;
      }
      closeCancelled(Status.CANCELLED.withDescription("call cancelled"));
    }

    /**
     * Reports a cancellation that came between attempts through the call's executor, where the
     * caller expects its callbacks (a blocking stub drains them on its own thread).
     */
    private void closeCancelled(Status status) {
      Runnable close = () -> listener.onClose(status, new Metadata());
      Executor executor = callOptions.getExecutor();
      if (executor != null) {
        executor.execute(close);
      } else {
        close.run();
      }
    }

    @Override
    public synchronized boolean isReady() {
      return current != null && current.isReady();
    }

    @Override
    public synchronized void setMessageCompression(boolean enabled) {
      if (current != null) {
        current.setMessageCompression(enabled);
      }
    }

    @Override
    public synchronized Attributes getAttributes() {
      return current != null ? current.getAttributes() : Attributes.EMPTY;
    }

    /** Whether an attempt that ended this way is followed by another. */
    private boolean repeats(Status status, Metadata trailers) {
      return !status.isOk()
          && !cancelled
          && attempt < maxAttempts
          && !context.isCancelled()
          && hasNonEmptyRequestId(message)
          && FacadeErrors.isOutcomeUnknown(status.asRuntimeException(trailers));
    }

    /**
     * Buffers one attempt's headers and response until it ends, then either delivers them or
     * starts the next attempt after the backoff.
     */
    private final class AttemptListener extends Listener<RespT> {
      private final ClientCall<ReqT, RespT> call;
      private Metadata responseHeaders;
      private RespT response;

      AttemptListener(ClientCall<ReqT, RespT> call) {
        this.call = call;
      }

      @Override
      public void onHeaders(Metadata headers) {
        responseHeaders = headers;
      }

      @Override
      public void onMessage(RespT message) {
        response = message;
      }

      @Override
      public void onReady() {
        Listener<RespT> forward;
        synchronized (RepeatingCall.this) {
          forward = call == current ? listener : null;
        }
        if (forward != null) {
          forward.onReady();
        }
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        synchronized (RepeatingCall.this) {
          if (repeats(status, trailers)) {
            long delay = backoffNanos(attempt);
            pendingRepeat = SCHEDULER.schedule(RepeatingCall.this::repeat, delay, TimeUnit.NANOSECONDS);
            return;
          }
          closed = true;
        }
        if (responseHeaders != null) {
          listener.onHeaders(responseHeaders);
        }
        if (response != null) {
          listener.onMessage(response);
        }
        listener.onClose(status, trailers);
      }
    }
  }
}
