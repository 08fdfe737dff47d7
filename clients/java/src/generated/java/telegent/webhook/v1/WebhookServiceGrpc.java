package telegent.webhook.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * WebhookService creates Telegent webhooks on behalf of internal services.
 * The service validates every request against the rules declared in this file,
 * translates it to Telegent's `POST /v1.0/webhook/create`, manages Telegent's
 * short-lived, endpoint-scoped tokens, and maps every upstream outcome to a
 * precise status. Upstream failures carry a `google.rpc.ErrorInfo` detail whose
 * reason is stable and whose metadata includes the upstream HTTP status.
 * </pre>
 */
@io.grpc.stub.annotations.GrpcGenerated
public final class WebhookServiceGrpc {

  private WebhookServiceGrpc() {}

  public static final java.lang.String SERVICE_NAME = "telegent.webhook.v1.WebhookService";

  // Static method descriptors that strictly reflect the proto.
  private static volatile io.grpc.MethodDescriptor<telegent.webhook.v1.WebhookOuterClass.CreateWebhookRequest,
      telegent.webhook.v1.WebhookOuterClass.CreateWebhookResponse> getCreateWebhookMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "CreateWebhook",
      requestType = telegent.webhook.v1.WebhookOuterClass.CreateWebhookRequest.class,
      responseType = telegent.webhook.v1.WebhookOuterClass.CreateWebhookResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<telegent.webhook.v1.WebhookOuterClass.CreateWebhookRequest,
      telegent.webhook.v1.WebhookOuterClass.CreateWebhookResponse> getCreateWebhookMethod() {
    io.grpc.MethodDescriptor<telegent.webhook.v1.WebhookOuterClass.CreateWebhookRequest, telegent.webhook.v1.WebhookOuterClass.CreateWebhookResponse> getCreateWebhookMethod;
    if ((getCreateWebhookMethod = WebhookServiceGrpc.getCreateWebhookMethod) == null) {
      synchronized (WebhookServiceGrpc.class) {
        if ((getCreateWebhookMethod = WebhookServiceGrpc.getCreateWebhookMethod) == null) {
          WebhookServiceGrpc.getCreateWebhookMethod = getCreateWebhookMethod =
              io.grpc.MethodDescriptor.<telegent.webhook.v1.WebhookOuterClass.CreateWebhookRequest, telegent.webhook.v1.WebhookOuterClass.CreateWebhookResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "CreateWebhook"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  telegent.webhook.v1.WebhookOuterClass.CreateWebhookRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  telegent.webhook.v1.WebhookOuterClass.CreateWebhookResponse.getDefaultInstance()))
              .setSchemaDescriptor(new WebhookServiceMethodDescriptorSupplier("CreateWebhook"))
              .build();
        }
      }
    }
    return getCreateWebhookMethod;
  }

  /**
   * Creates a new async stub that supports all call types for the service
   */
  public static WebhookServiceStub newStub(io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<WebhookServiceStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<WebhookServiceStub>() {
        @java.lang.Override
        public WebhookServiceStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new WebhookServiceStub(channel, callOptions);
        }
      };
    return WebhookServiceStub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports all types of calls on the service
   */
  public static WebhookServiceBlockingV2Stub newBlockingV2Stub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<WebhookServiceBlockingV2Stub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<WebhookServiceBlockingV2Stub>() {
        @java.lang.Override
        public WebhookServiceBlockingV2Stub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new WebhookServiceBlockingV2Stub(channel, callOptions);
        }
      };
    return WebhookServiceBlockingV2Stub.newStub(factory, channel);
  }

  /**
   * Creates a new blocking-style stub that supports unary and streaming output calls on the service
   */
  public static WebhookServiceBlockingStub newBlockingStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<WebhookServiceBlockingStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<WebhookServiceBlockingStub>() {
        @java.lang.Override
        public WebhookServiceBlockingStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new WebhookServiceBlockingStub(channel, callOptions);
        }
      };
    return WebhookServiceBlockingStub.newStub(factory, channel);
  }

  /**
   * Creates a new ListenableFuture-style stub that supports unary calls on the service
   */
  public static WebhookServiceFutureStub newFutureStub(
      io.grpc.Channel channel) {
    io.grpc.stub.AbstractStub.StubFactory<WebhookServiceFutureStub> factory =
      new io.grpc.stub.AbstractStub.StubFactory<WebhookServiceFutureStub>() {
        @java.lang.Override
        public WebhookServiceFutureStub newStub(io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
          return new WebhookServiceFutureStub(channel, callOptions);
        }
      };
    return WebhookServiceFutureStub.newStub(factory, channel);
  }

  /**
   * <pre>
   * WebhookService creates Telegent webhooks on behalf of internal services.
   * The service validates every request against the rules declared in this file,
   * translates it to Telegent's `POST /v1.0/webhook/create`, manages Telegent's
   * short-lived, endpoint-scoped tokens, and maps every upstream outcome to a
   * precise status. Upstream failures carry a `google.rpc.ErrorInfo` detail whose
   * reason is stable and whose metadata includes the upstream HTTP status.
   * </pre>
   */
  public interface AsyncService {

    /**
     * <pre>
     * CreateWebhook registers a webhook with Telegent and returns it.
     * A request that breaks a rule is answered INVALID_ARGUMENT with a
     * `google.rpc.BadRequest` detail (one field violation per broken rule) and
     * is never sent to Telegent. Telegent's create call is not idempotent: the
     * service never repeats a create that may have reached Telegent, and marks
     * a failure whose outcome is unknown in the `ErrorInfo` metadata.
     * </pre>
     */
    default void createWebhook(telegent.webhook.v1.WebhookOuterClass.CreateWebhookRequest request,
        io.grpc.stub.StreamObserver<telegent.webhook.v1.WebhookOuterClass.CreateWebhookResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCreateWebhookMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service WebhookService.
   * <pre>
   * WebhookService creates Telegent webhooks on behalf of internal services.
   * The service validates every request against the rules declared in this file,
   * translates it to Telegent's `POST /v1.0/webhook/create`, manages Telegent's
   * short-lived, endpoint-scoped tokens, and maps every upstream outcome to a
   * precise status. Upstream failures carry a `google.rpc.ErrorInfo` detail whose
   * reason is stable and whose metadata includes the upstream HTTP status.
   * </pre>
   */
  public static abstract class WebhookServiceImplBase
      implements io.grpc.BindableService, AsyncService {

    @java.lang.Override public final io.grpc.ServerServiceDefinition bindService() {
      return WebhookServiceGrpc.bindService(this);
    }
  }

  /**
   * A stub to allow clients to do asynchronous rpc calls to service WebhookService.
   * <pre>
   * WebhookService creates Telegent webhooks on behalf of internal services.
   * The service validates every request against the rules declared in this file,
   * translates it to Telegent's `POST /v1.0/webhook/create`, manages Telegent's
   * short-lived, endpoint-scoped tokens, and maps every upstream outcome to a
   * precise status. Upstream failures carry a `google.rpc.ErrorInfo` detail whose
   * reason is stable and whose metadata includes the upstream HTTP status.
   * </pre>
   */
  public static final class WebhookServiceStub
      extends io.grpc.stub.AbstractAsyncStub<WebhookServiceStub> {
    private WebhookServiceStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected WebhookServiceStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new WebhookServiceStub(channel, callOptions);
    }

    /**
     * <pre>
     * CreateWebhook registers a webhook with Telegent and returns it.
     * A request that breaks a rule is answered INVALID_ARGUMENT with a
     * `google.rpc.BadRequest` detail (one field violation per broken rule) and
     * is never sent to Telegent. Telegent's create call is not idempotent: the
     * service never repeats a create that may have reached Telegent, and marks
     * a failure whose outcome is unknown in the `ErrorInfo` metadata.
     * </pre>
     */
    public void createWebhook(telegent.webhook.v1.WebhookOuterClass.CreateWebhookRequest request,
        io.grpc.stub.StreamObserver<telegent.webhook.v1.WebhookOuterClass.CreateWebhookResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCreateWebhookMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service WebhookService.
   * <pre>
   * WebhookService creates Telegent webhooks on behalf of internal services.
   * The service validates every request against the rules declared in this file,
   * translates it to Telegent's `POST /v1.0/webhook/create`, manages Telegent's
   * short-lived, endpoint-scoped tokens, and maps every upstream outcome to a
   * precise status. Upstream failures carry a `google.rpc.ErrorInfo` detail whose
   * reason is stable and whose metadata includes the upstream HTTP status.
   * </pre>
   */
  public static final class WebhookServiceBlockingV2Stub
      extends io.grpc.stub.AbstractBlockingStub<WebhookServiceBlockingV2Stub> {
    private WebhookServiceBlockingV2Stub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected WebhookServiceBlockingV2Stub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new WebhookServiceBlockingV2Stub(channel, callOptions);
    }

    /**
     * <pre>
     * CreateWebhook registers a webhook with Telegent and returns it.
     * A request that breaks a rule is answered INVALID_ARGUMENT with a
     * `google.rpc.BadRequest` detail (one field violation per broken rule) and
     * is never sent to Telegent. Telegent's create call is not idempotent: the
     * service never repeats a create that may have reached Telegent, and marks
     * a failure whose outcome is unknown in the `ErrorInfo` metadata.
     * </pre>
     */
    public telegent.webhook.v1.WebhookOuterClass.CreateWebhookResponse createWebhook(telegent.webhook.v1.WebhookOuterClass.CreateWebhookRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getCreateWebhookMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do limited synchronous rpc calls to service WebhookService.
   * <pre>
   * WebhookService creates Telegent webhooks on behalf of internal services.
   * The service validates every request against the rules declared in this file,
   * translates it to Telegent's `POST /v1.0/webhook/create`, manages Telegent's
   * short-lived, endpoint-scoped tokens, and maps every upstream outcome to a
   * precise status. Upstream failures carry a `google.rpc.ErrorInfo` detail whose
   * reason is stable and whose metadata includes the upstream HTTP status.
   * </pre>
   */
  public static final class WebhookServiceBlockingStub
      extends io.grpc.stub.AbstractBlockingStub<WebhookServiceBlockingStub> {
    private WebhookServiceBlockingStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected WebhookServiceBlockingStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new WebhookServiceBlockingStub(channel, callOptions);
    }

    /**
     * <pre>
     * CreateWebhook registers a webhook with Telegent and returns it.
     * A request that breaks a rule is answered INVALID_ARGUMENT with a
     * `google.rpc.BadRequest` detail (one field violation per broken rule) and
     * is never sent to Telegent. Telegent's create call is not idempotent: the
     * service never repeats a create that may have reached Telegent, and marks
     * a failure whose outcome is unknown in the `ErrorInfo` metadata.
     * </pre>
     */
    public telegent.webhook.v1.WebhookOuterClass.CreateWebhookResponse createWebhook(telegent.webhook.v1.WebhookOuterClass.CreateWebhookRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCreateWebhookMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service WebhookService.
   * <pre>
   * WebhookService creates Telegent webhooks on behalf of internal services.
   * The service validates every request against the rules declared in this file,
   * translates it to Telegent's `POST /v1.0/webhook/create`, manages Telegent's
   * short-lived, endpoint-scoped tokens, and maps every upstream outcome to a
   * precise status. Upstream failures carry a `google.rpc.ErrorInfo` detail whose
   * reason is stable and whose metadata includes the upstream HTTP status.
   * </pre>
   */
  public static final class WebhookServiceFutureStub
      extends io.grpc.stub.AbstractFutureStub<WebhookServiceFutureStub> {
    private WebhookServiceFutureStub(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      super(channel, callOptions);
    }

    @java.lang.Override
    protected WebhookServiceFutureStub build(
        io.grpc.Channel channel, io.grpc.CallOptions callOptions) {
      return new WebhookServiceFutureStub(channel, callOptions);
    }

    /**
     * <pre>
     * CreateWebhook registers a webhook with Telegent and returns it.
     * A request that breaks a rule is answered INVALID_ARGUMENT with a
     * `google.rpc.BadRequest` detail (one field violation per broken rule) and
     * is never sent to Telegent. Telegent's create call is not idempotent: the
     * service never repeats a create that may have reached Telegent, and marks
     * a failure whose outcome is unknown in the `ErrorInfo` metadata.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<telegent.webhook.v1.WebhookOuterClass.CreateWebhookResponse> createWebhook(
        telegent.webhook.v1.WebhookOuterClass.CreateWebhookRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCreateWebhookMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_CREATE_WEBHOOK = 0;

  private static final class MethodHandlers<Req, Resp> implements
      io.grpc.stub.ServerCalls.UnaryMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ServerStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.ClientStreamingMethod<Req, Resp>,
      io.grpc.stub.ServerCalls.BidiStreamingMethod<Req, Resp> {
    private final AsyncService serviceImpl;
    private final int methodId;

    MethodHandlers(AsyncService serviceImpl, int methodId) {
      this.serviceImpl = serviceImpl;
      this.methodId = methodId;
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public void invoke(Req request, io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        case METHODID_CREATE_WEBHOOK:
          serviceImpl.createWebhook((telegent.webhook.v1.WebhookOuterClass.CreateWebhookRequest) request,
              (io.grpc.stub.StreamObserver<telegent.webhook.v1.WebhookOuterClass.CreateWebhookResponse>) responseObserver);
          break;
        default:
          throw new AssertionError();
      }
    }

    @java.lang.Override
    @java.lang.SuppressWarnings("unchecked")
    public io.grpc.stub.StreamObserver<Req> invoke(
        io.grpc.stub.StreamObserver<Resp> responseObserver) {
      switch (methodId) {
        default:
          throw new AssertionError();
      }
    }
  }

  public static final io.grpc.ServerServiceDefinition bindService(AsyncService service) {
    return io.grpc.ServerServiceDefinition.builder(getServiceDescriptor())
        .addMethod(
          getCreateWebhookMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              telegent.webhook.v1.WebhookOuterClass.CreateWebhookRequest,
              telegent.webhook.v1.WebhookOuterClass.CreateWebhookResponse>(
                service, METHODID_CREATE_WEBHOOK)))
        .build();
  }

  private static abstract class WebhookServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoFileDescriptorSupplier, io.grpc.protobuf.ProtoServiceDescriptorSupplier {
    WebhookServiceBaseDescriptorSupplier() {}

    @java.lang.Override
    public com.google.protobuf.Descriptors.FileDescriptor getFileDescriptor() {
      return telegent.webhook.v1.WebhookOuterClass.getDescriptor();
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("WebhookService");
    }
  }

  private static final class WebhookServiceFileDescriptorSupplier
      extends WebhookServiceBaseDescriptorSupplier {
    WebhookServiceFileDescriptorSupplier() {}
  }

  private static final class WebhookServiceMethodDescriptorSupplier
      extends WebhookServiceBaseDescriptorSupplier
      implements io.grpc.protobuf.ProtoMethodDescriptorSupplier {
    private final java.lang.String methodName;

    WebhookServiceMethodDescriptorSupplier(java.lang.String methodName) {
      this.methodName = methodName;
    }

    @java.lang.Override
    public com.google.protobuf.Descriptors.MethodDescriptor getMethodDescriptor() {
      return getServiceDescriptor().findMethodByName(methodName);
    }
  }

  private static volatile io.grpc.ServiceDescriptor serviceDescriptor;

  public static io.grpc.ServiceDescriptor getServiceDescriptor() {
    io.grpc.ServiceDescriptor result = serviceDescriptor;
    if (result == null) {
      synchronized (WebhookServiceGrpc.class) {
        result = serviceDescriptor;
        if (result == null) {
          serviceDescriptor = result = io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
              .setSchemaDescriptor(new WebhookServiceFileDescriptorSupplier())
              .addMethod(getCreateWebhookMethod())
              .build();
        }
      }
    }
    return result;
  }
}
