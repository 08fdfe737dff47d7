package telegent.webhook.v1;

import static io.grpc.MethodDescriptor.generateFullMethodName;

/**
 * <pre>
 * WebhookService manages Telegent webhooks on behalf of internal services:
 * create, get, list, update and delete.
 * The service validates every request against the rules declared in this file,
 * translates it to Telegent's webhook calls (`POST /v1.0/webhook/create`,
 * `/update`, `/delete` and `GET /v1.0/account/webhooks`), manages Telegent's
 * short-lived, endpoint-scoped tokens, and maps every upstream outcome to a
 * precise status. Upstream failures carry a `google.rpc.ErrorInfo` detail whose
 * reason is stable and whose metadata includes the upstream HTTP status.
 * Every method answers with its own response message holding the webhook
 * (as CreateWebhookResponse does), not the bare `Webhook` or
 * `google.protobuf.Empty` of AIP-131/134/135: one shape for every method,
 * and room for facts about the call itself (such as `recovered`) without a
 * breaking change.
 * No answer of any method carries a webhook's password or token: `Webhook`
 * has no field for them, only `password_set` and `token_set`.
 * Every method names the account it acts on in `account_id`; the caller must
 * be allowed on that account. Get, update and delete also check that the
 * webhook belongs to that account (it is in the account's list), whether or
 * not Telegent would check it: a webhook of another account is NOT_FOUND.
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

  private static volatile io.grpc.MethodDescriptor<telegent.webhook.v1.WebhookOuterClass.GetWebhookRequest,
      telegent.webhook.v1.WebhookOuterClass.GetWebhookResponse> getGetWebhookMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "GetWebhook",
      requestType = telegent.webhook.v1.WebhookOuterClass.GetWebhookRequest.class,
      responseType = telegent.webhook.v1.WebhookOuterClass.GetWebhookResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<telegent.webhook.v1.WebhookOuterClass.GetWebhookRequest,
      telegent.webhook.v1.WebhookOuterClass.GetWebhookResponse> getGetWebhookMethod() {
    io.grpc.MethodDescriptor<telegent.webhook.v1.WebhookOuterClass.GetWebhookRequest, telegent.webhook.v1.WebhookOuterClass.GetWebhookResponse> getGetWebhookMethod;
    if ((getGetWebhookMethod = WebhookServiceGrpc.getGetWebhookMethod) == null) {
      synchronized (WebhookServiceGrpc.class) {
        if ((getGetWebhookMethod = WebhookServiceGrpc.getGetWebhookMethod) == null) {
          WebhookServiceGrpc.getGetWebhookMethod = getGetWebhookMethod =
              io.grpc.MethodDescriptor.<telegent.webhook.v1.WebhookOuterClass.GetWebhookRequest, telegent.webhook.v1.WebhookOuterClass.GetWebhookResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "GetWebhook"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  telegent.webhook.v1.WebhookOuterClass.GetWebhookRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  telegent.webhook.v1.WebhookOuterClass.GetWebhookResponse.getDefaultInstance()))
              .setSchemaDescriptor(new WebhookServiceMethodDescriptorSupplier("GetWebhook"))
              .build();
        }
      }
    }
    return getGetWebhookMethod;
  }

  private static volatile io.grpc.MethodDescriptor<telegent.webhook.v1.WebhookOuterClass.ListWebhooksRequest,
      telegent.webhook.v1.WebhookOuterClass.ListWebhooksResponse> getListWebhooksMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "ListWebhooks",
      requestType = telegent.webhook.v1.WebhookOuterClass.ListWebhooksRequest.class,
      responseType = telegent.webhook.v1.WebhookOuterClass.ListWebhooksResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<telegent.webhook.v1.WebhookOuterClass.ListWebhooksRequest,
      telegent.webhook.v1.WebhookOuterClass.ListWebhooksResponse> getListWebhooksMethod() {
    io.grpc.MethodDescriptor<telegent.webhook.v1.WebhookOuterClass.ListWebhooksRequest, telegent.webhook.v1.WebhookOuterClass.ListWebhooksResponse> getListWebhooksMethod;
    if ((getListWebhooksMethod = WebhookServiceGrpc.getListWebhooksMethod) == null) {
      synchronized (WebhookServiceGrpc.class) {
        if ((getListWebhooksMethod = WebhookServiceGrpc.getListWebhooksMethod) == null) {
          WebhookServiceGrpc.getListWebhooksMethod = getListWebhooksMethod =
              io.grpc.MethodDescriptor.<telegent.webhook.v1.WebhookOuterClass.ListWebhooksRequest, telegent.webhook.v1.WebhookOuterClass.ListWebhooksResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "ListWebhooks"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  telegent.webhook.v1.WebhookOuterClass.ListWebhooksRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  telegent.webhook.v1.WebhookOuterClass.ListWebhooksResponse.getDefaultInstance()))
              .setSchemaDescriptor(new WebhookServiceMethodDescriptorSupplier("ListWebhooks"))
              .build();
        }
      }
    }
    return getListWebhooksMethod;
  }

  private static volatile io.grpc.MethodDescriptor<telegent.webhook.v1.WebhookOuterClass.UpdateWebhookRequest,
      telegent.webhook.v1.WebhookOuterClass.UpdateWebhookResponse> getUpdateWebhookMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "UpdateWebhook",
      requestType = telegent.webhook.v1.WebhookOuterClass.UpdateWebhookRequest.class,
      responseType = telegent.webhook.v1.WebhookOuterClass.UpdateWebhookResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<telegent.webhook.v1.WebhookOuterClass.UpdateWebhookRequest,
      telegent.webhook.v1.WebhookOuterClass.UpdateWebhookResponse> getUpdateWebhookMethod() {
    io.grpc.MethodDescriptor<telegent.webhook.v1.WebhookOuterClass.UpdateWebhookRequest, telegent.webhook.v1.WebhookOuterClass.UpdateWebhookResponse> getUpdateWebhookMethod;
    if ((getUpdateWebhookMethod = WebhookServiceGrpc.getUpdateWebhookMethod) == null) {
      synchronized (WebhookServiceGrpc.class) {
        if ((getUpdateWebhookMethod = WebhookServiceGrpc.getUpdateWebhookMethod) == null) {
          WebhookServiceGrpc.getUpdateWebhookMethod = getUpdateWebhookMethod =
              io.grpc.MethodDescriptor.<telegent.webhook.v1.WebhookOuterClass.UpdateWebhookRequest, telegent.webhook.v1.WebhookOuterClass.UpdateWebhookResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "UpdateWebhook"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  telegent.webhook.v1.WebhookOuterClass.UpdateWebhookRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  telegent.webhook.v1.WebhookOuterClass.UpdateWebhookResponse.getDefaultInstance()))
              .setSchemaDescriptor(new WebhookServiceMethodDescriptorSupplier("UpdateWebhook"))
              .build();
        }
      }
    }
    return getUpdateWebhookMethod;
  }

  private static volatile io.grpc.MethodDescriptor<telegent.webhook.v1.WebhookOuterClass.DeleteWebhookRequest,
      telegent.webhook.v1.WebhookOuterClass.DeleteWebhookResponse> getDeleteWebhookMethod;

  @io.grpc.stub.annotations.RpcMethod(
      fullMethodName = SERVICE_NAME + '/' + "DeleteWebhook",
      requestType = telegent.webhook.v1.WebhookOuterClass.DeleteWebhookRequest.class,
      responseType = telegent.webhook.v1.WebhookOuterClass.DeleteWebhookResponse.class,
      methodType = io.grpc.MethodDescriptor.MethodType.UNARY)
  public static io.grpc.MethodDescriptor<telegent.webhook.v1.WebhookOuterClass.DeleteWebhookRequest,
      telegent.webhook.v1.WebhookOuterClass.DeleteWebhookResponse> getDeleteWebhookMethod() {
    io.grpc.MethodDescriptor<telegent.webhook.v1.WebhookOuterClass.DeleteWebhookRequest, telegent.webhook.v1.WebhookOuterClass.DeleteWebhookResponse> getDeleteWebhookMethod;
    if ((getDeleteWebhookMethod = WebhookServiceGrpc.getDeleteWebhookMethod) == null) {
      synchronized (WebhookServiceGrpc.class) {
        if ((getDeleteWebhookMethod = WebhookServiceGrpc.getDeleteWebhookMethod) == null) {
          WebhookServiceGrpc.getDeleteWebhookMethod = getDeleteWebhookMethod =
              io.grpc.MethodDescriptor.<telegent.webhook.v1.WebhookOuterClass.DeleteWebhookRequest, telegent.webhook.v1.WebhookOuterClass.DeleteWebhookResponse>newBuilder()
              .setType(io.grpc.MethodDescriptor.MethodType.UNARY)
              .setFullMethodName(generateFullMethodName(SERVICE_NAME, "DeleteWebhook"))
              .setSampledToLocalTracing(true)
              .setRequestMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  telegent.webhook.v1.WebhookOuterClass.DeleteWebhookRequest.getDefaultInstance()))
              .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(
                  telegent.webhook.v1.WebhookOuterClass.DeleteWebhookResponse.getDefaultInstance()))
              .setSchemaDescriptor(new WebhookServiceMethodDescriptorSupplier("DeleteWebhook"))
              .build();
        }
      }
    }
    return getDeleteWebhookMethod;
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
   * WebhookService manages Telegent webhooks on behalf of internal services:
   * create, get, list, update and delete.
   * The service validates every request against the rules declared in this file,
   * translates it to Telegent's webhook calls (`POST /v1.0/webhook/create`,
   * `/update`, `/delete` and `GET /v1.0/account/webhooks`), manages Telegent's
   * short-lived, endpoint-scoped tokens, and maps every upstream outcome to a
   * precise status. Upstream failures carry a `google.rpc.ErrorInfo` detail whose
   * reason is stable and whose metadata includes the upstream HTTP status.
   * Every method answers with its own response message holding the webhook
   * (as CreateWebhookResponse does), not the bare `Webhook` or
   * `google.protobuf.Empty` of AIP-131/134/135: one shape for every method,
   * and room for facts about the call itself (such as `recovered`) without a
   * breaking change.
   * No answer of any method carries a webhook's password or token: `Webhook`
   * has no field for them, only `password_set` and `token_set`.
   * Every method names the account it acts on in `account_id`; the caller must
   * be allowed on that account. Get, update and delete also check that the
   * webhook belongs to that account (it is in the account's list), whether or
   * not Telegent would check it: a webhook of another account is NOT_FOUND.
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
     * a failure whose outcome is unknown in the `ErrorInfo` metadata. Such a
     * create made with a `request_id` resolves itself when repeated with the
     * same `request_id` (see `request_id`).
     * </pre>
     */
    default void createWebhook(telegent.webhook.v1.WebhookOuterClass.CreateWebhookRequest request,
        io.grpc.stub.StreamObserver<telegent.webhook.v1.WebhookOuterClass.CreateWebhookResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getCreateWebhookMethod(), responseObserver);
    }

    /**
     * <pre>
     * GetWebhook returns one webhook of an account. Telegent has no call for
     * one webhook: the service reads the account's list and picks the webhook
     * from it. A webhook that is not in the account's list is NOT_FOUND with
     * the `google.rpc.ErrorInfo` reason `WEBHOOK_NOT_FOUND`.
     * </pre>
     */
    default void getWebhook(telegent.webhook.v1.WebhookOuterClass.GetWebhookRequest request,
        io.grpc.stub.StreamObserver<telegent.webhook.v1.WebhookOuterClass.GetWebhookResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getGetWebhookMethod(), responseObserver);
    }

    /**
     * <pre>
     * ListWebhooks returns an account's webhooks, a page at a time, ordered by
     * `webhook_id`. Telegent returns the whole list on every call; the service
     * pages it in that stable order, so a webhook created or deleted between
     * two pages is seen at most once and never shifts the others.
     * </pre>
     */
    default void listWebhooks(telegent.webhook.v1.WebhookOuterClass.ListWebhooksRequest request,
        io.grpc.stub.StreamObserver<telegent.webhook.v1.WebhookOuterClass.ListWebhooksResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getListWebhooksMethod(), responseObserver);
    }

    /**
     * <pre>
     * UpdateWebhook changes a webhook's settings and returns the webhook.
     * Telegent's update replaces the whole webhook, so the service reads the
     * current webhook, replaces the fields named by `update_mask`, checks the
     * result against the same rules as CreateWebhook, and sends it whole.
     * Fields not named keep their values. Telegent never tells the service a
     * stored password or token, so an update whose result uses BASIC (or
     * TOKEN) authentication must carry `authentication_password` (or
     * `authentication_token`), even when only another field changes; without
     * it the call is INVALID_ARGUMENT with a field violation on that field and
     * nothing is sent. Two concurrent updates of one webhook: the last one to
     * reach Telegent wins whole (Telegent has no version check), so a caller
     * that needs read-modify-write safety serialises its own updates.
     * Repeating an update with the same request is harmless.
     * </pre>
     */
    default void updateWebhook(telegent.webhook.v1.WebhookOuterClass.UpdateWebhookRequest request,
        io.grpc.stub.StreamObserver<telegent.webhook.v1.WebhookOuterClass.UpdateWebhookResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getUpdateWebhookMethod(), responseObserver);
    }

    /**
     * <pre>
     * DeleteWebhook permanently deletes a webhook. A webhook that is not in the
     * account's list is NOT_FOUND with the `google.rpc.ErrorInfo` reason
     * `WEBHOOK_NOT_FOUND`; that is also the answer to a repeat of a delete that
     * succeeded, so a caller retrying a delete treats `WEBHOOK_NOT_FOUND` as
     * done.
     * </pre>
     */
    default void deleteWebhook(telegent.webhook.v1.WebhookOuterClass.DeleteWebhookRequest request,
        io.grpc.stub.StreamObserver<telegent.webhook.v1.WebhookOuterClass.DeleteWebhookResponse> responseObserver) {
      io.grpc.stub.ServerCalls.asyncUnimplementedUnaryCall(getDeleteWebhookMethod(), responseObserver);
    }
  }

  /**
   * Base class for the server implementation of the service WebhookService.
   * <pre>
   * WebhookService manages Telegent webhooks on behalf of internal services:
   * create, get, list, update and delete.
   * The service validates every request against the rules declared in this file,
   * translates it to Telegent's webhook calls (`POST /v1.0/webhook/create`,
   * `/update`, `/delete` and `GET /v1.0/account/webhooks`), manages Telegent's
   * short-lived, endpoint-scoped tokens, and maps every upstream outcome to a
   * precise status. Upstream failures carry a `google.rpc.ErrorInfo` detail whose
   * reason is stable and whose metadata includes the upstream HTTP status.
   * Every method answers with its own response message holding the webhook
   * (as CreateWebhookResponse does), not the bare `Webhook` or
   * `google.protobuf.Empty` of AIP-131/134/135: one shape for every method,
   * and room for facts about the call itself (such as `recovered`) without a
   * breaking change.
   * No answer of any method carries a webhook's password or token: `Webhook`
   * has no field for them, only `password_set` and `token_set`.
   * Every method names the account it acts on in `account_id`; the caller must
   * be allowed on that account. Get, update and delete also check that the
   * webhook belongs to that account (it is in the account's list), whether or
   * not Telegent would check it: a webhook of another account is NOT_FOUND.
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
   * WebhookService manages Telegent webhooks on behalf of internal services:
   * create, get, list, update and delete.
   * The service validates every request against the rules declared in this file,
   * translates it to Telegent's webhook calls (`POST /v1.0/webhook/create`,
   * `/update`, `/delete` and `GET /v1.0/account/webhooks`), manages Telegent's
   * short-lived, endpoint-scoped tokens, and maps every upstream outcome to a
   * precise status. Upstream failures carry a `google.rpc.ErrorInfo` detail whose
   * reason is stable and whose metadata includes the upstream HTTP status.
   * Every method answers with its own response message holding the webhook
   * (as CreateWebhookResponse does), not the bare `Webhook` or
   * `google.protobuf.Empty` of AIP-131/134/135: one shape for every method,
   * and room for facts about the call itself (such as `recovered`) without a
   * breaking change.
   * No answer of any method carries a webhook's password or token: `Webhook`
   * has no field for them, only `password_set` and `token_set`.
   * Every method names the account it acts on in `account_id`; the caller must
   * be allowed on that account. Get, update and delete also check that the
   * webhook belongs to that account (it is in the account's list), whether or
   * not Telegent would check it: a webhook of another account is NOT_FOUND.
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
     * a failure whose outcome is unknown in the `ErrorInfo` metadata. Such a
     * create made with a `request_id` resolves itself when repeated with the
     * same `request_id` (see `request_id`).
     * </pre>
     */
    public void createWebhook(telegent.webhook.v1.WebhookOuterClass.CreateWebhookRequest request,
        io.grpc.stub.StreamObserver<telegent.webhook.v1.WebhookOuterClass.CreateWebhookResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getCreateWebhookMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * GetWebhook returns one webhook of an account. Telegent has no call for
     * one webhook: the service reads the account's list and picks the webhook
     * from it. A webhook that is not in the account's list is NOT_FOUND with
     * the `google.rpc.ErrorInfo` reason `WEBHOOK_NOT_FOUND`.
     * </pre>
     */
    public void getWebhook(telegent.webhook.v1.WebhookOuterClass.GetWebhookRequest request,
        io.grpc.stub.StreamObserver<telegent.webhook.v1.WebhookOuterClass.GetWebhookResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getGetWebhookMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * ListWebhooks returns an account's webhooks, a page at a time, ordered by
     * `webhook_id`. Telegent returns the whole list on every call; the service
     * pages it in that stable order, so a webhook created or deleted between
     * two pages is seen at most once and never shifts the others.
     * </pre>
     */
    public void listWebhooks(telegent.webhook.v1.WebhookOuterClass.ListWebhooksRequest request,
        io.grpc.stub.StreamObserver<telegent.webhook.v1.WebhookOuterClass.ListWebhooksResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getListWebhooksMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * UpdateWebhook changes a webhook's settings and returns the webhook.
     * Telegent's update replaces the whole webhook, so the service reads the
     * current webhook, replaces the fields named by `update_mask`, checks the
     * result against the same rules as CreateWebhook, and sends it whole.
     * Fields not named keep their values. Telegent never tells the service a
     * stored password or token, so an update whose result uses BASIC (or
     * TOKEN) authentication must carry `authentication_password` (or
     * `authentication_token`), even when only another field changes; without
     * it the call is INVALID_ARGUMENT with a field violation on that field and
     * nothing is sent. Two concurrent updates of one webhook: the last one to
     * reach Telegent wins whole (Telegent has no version check), so a caller
     * that needs read-modify-write safety serialises its own updates.
     * Repeating an update with the same request is harmless.
     * </pre>
     */
    public void updateWebhook(telegent.webhook.v1.WebhookOuterClass.UpdateWebhookRequest request,
        io.grpc.stub.StreamObserver<telegent.webhook.v1.WebhookOuterClass.UpdateWebhookResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getUpdateWebhookMethod(), getCallOptions()), request, responseObserver);
    }

    /**
     * <pre>
     * DeleteWebhook permanently deletes a webhook. A webhook that is not in the
     * account's list is NOT_FOUND with the `google.rpc.ErrorInfo` reason
     * `WEBHOOK_NOT_FOUND`; that is also the answer to a repeat of a delete that
     * succeeded, so a caller retrying a delete treats `WEBHOOK_NOT_FOUND` as
     * done.
     * </pre>
     */
    public void deleteWebhook(telegent.webhook.v1.WebhookOuterClass.DeleteWebhookRequest request,
        io.grpc.stub.StreamObserver<telegent.webhook.v1.WebhookOuterClass.DeleteWebhookResponse> responseObserver) {
      io.grpc.stub.ClientCalls.asyncUnaryCall(
          getChannel().newCall(getDeleteWebhookMethod(), getCallOptions()), request, responseObserver);
    }
  }

  /**
   * A stub to allow clients to do synchronous rpc calls to service WebhookService.
   * <pre>
   * WebhookService manages Telegent webhooks on behalf of internal services:
   * create, get, list, update and delete.
   * The service validates every request against the rules declared in this file,
   * translates it to Telegent's webhook calls (`POST /v1.0/webhook/create`,
   * `/update`, `/delete` and `GET /v1.0/account/webhooks`), manages Telegent's
   * short-lived, endpoint-scoped tokens, and maps every upstream outcome to a
   * precise status. Upstream failures carry a `google.rpc.ErrorInfo` detail whose
   * reason is stable and whose metadata includes the upstream HTTP status.
   * Every method answers with its own response message holding the webhook
   * (as CreateWebhookResponse does), not the bare `Webhook` or
   * `google.protobuf.Empty` of AIP-131/134/135: one shape for every method,
   * and room for facts about the call itself (such as `recovered`) without a
   * breaking change.
   * No answer of any method carries a webhook's password or token: `Webhook`
   * has no field for them, only `password_set` and `token_set`.
   * Every method names the account it acts on in `account_id`; the caller must
   * be allowed on that account. Get, update and delete also check that the
   * webhook belongs to that account (it is in the account's list), whether or
   * not Telegent would check it: a webhook of another account is NOT_FOUND.
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
     * a failure whose outcome is unknown in the `ErrorInfo` metadata. Such a
     * create made with a `request_id` resolves itself when repeated with the
     * same `request_id` (see `request_id`).
     * </pre>
     */
    public telegent.webhook.v1.WebhookOuterClass.CreateWebhookResponse createWebhook(telegent.webhook.v1.WebhookOuterClass.CreateWebhookRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getCreateWebhookMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * GetWebhook returns one webhook of an account. Telegent has no call for
     * one webhook: the service reads the account's list and picks the webhook
     * from it. A webhook that is not in the account's list is NOT_FOUND with
     * the `google.rpc.ErrorInfo` reason `WEBHOOK_NOT_FOUND`.
     * </pre>
     */
    public telegent.webhook.v1.WebhookOuterClass.GetWebhookResponse getWebhook(telegent.webhook.v1.WebhookOuterClass.GetWebhookRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getGetWebhookMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * ListWebhooks returns an account's webhooks, a page at a time, ordered by
     * `webhook_id`. Telegent returns the whole list on every call; the service
     * pages it in that stable order, so a webhook created or deleted between
     * two pages is seen at most once and never shifts the others.
     * </pre>
     */
    public telegent.webhook.v1.WebhookOuterClass.ListWebhooksResponse listWebhooks(telegent.webhook.v1.WebhookOuterClass.ListWebhooksRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getListWebhooksMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * UpdateWebhook changes a webhook's settings and returns the webhook.
     * Telegent's update replaces the whole webhook, so the service reads the
     * current webhook, replaces the fields named by `update_mask`, checks the
     * result against the same rules as CreateWebhook, and sends it whole.
     * Fields not named keep their values. Telegent never tells the service a
     * stored password or token, so an update whose result uses BASIC (or
     * TOKEN) authentication must carry `authentication_password` (or
     * `authentication_token`), even when only another field changes; without
     * it the call is INVALID_ARGUMENT with a field violation on that field and
     * nothing is sent. Two concurrent updates of one webhook: the last one to
     * reach Telegent wins whole (Telegent has no version check), so a caller
     * that needs read-modify-write safety serialises its own updates.
     * Repeating an update with the same request is harmless.
     * </pre>
     */
    public telegent.webhook.v1.WebhookOuterClass.UpdateWebhookResponse updateWebhook(telegent.webhook.v1.WebhookOuterClass.UpdateWebhookRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getUpdateWebhookMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * DeleteWebhook permanently deletes a webhook. A webhook that is not in the
     * account's list is NOT_FOUND with the `google.rpc.ErrorInfo` reason
     * `WEBHOOK_NOT_FOUND`; that is also the answer to a repeat of a delete that
     * succeeded, so a caller retrying a delete treats `WEBHOOK_NOT_FOUND` as
     * done.
     * </pre>
     */
    public telegent.webhook.v1.WebhookOuterClass.DeleteWebhookResponse deleteWebhook(telegent.webhook.v1.WebhookOuterClass.DeleteWebhookRequest request) throws io.grpc.StatusException {
      return io.grpc.stub.ClientCalls.blockingV2UnaryCall(
          getChannel(), getDeleteWebhookMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do limited synchronous rpc calls to service WebhookService.
   * <pre>
   * WebhookService manages Telegent webhooks on behalf of internal services:
   * create, get, list, update and delete.
   * The service validates every request against the rules declared in this file,
   * translates it to Telegent's webhook calls (`POST /v1.0/webhook/create`,
   * `/update`, `/delete` and `GET /v1.0/account/webhooks`), manages Telegent's
   * short-lived, endpoint-scoped tokens, and maps every upstream outcome to a
   * precise status. Upstream failures carry a `google.rpc.ErrorInfo` detail whose
   * reason is stable and whose metadata includes the upstream HTTP status.
   * Every method answers with its own response message holding the webhook
   * (as CreateWebhookResponse does), not the bare `Webhook` or
   * `google.protobuf.Empty` of AIP-131/134/135: one shape for every method,
   * and room for facts about the call itself (such as `recovered`) without a
   * breaking change.
   * No answer of any method carries a webhook's password or token: `Webhook`
   * has no field for them, only `password_set` and `token_set`.
   * Every method names the account it acts on in `account_id`; the caller must
   * be allowed on that account. Get, update and delete also check that the
   * webhook belongs to that account (it is in the account's list), whether or
   * not Telegent would check it: a webhook of another account is NOT_FOUND.
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
     * a failure whose outcome is unknown in the `ErrorInfo` metadata. Such a
     * create made with a `request_id` resolves itself when repeated with the
     * same `request_id` (see `request_id`).
     * </pre>
     */
    public telegent.webhook.v1.WebhookOuterClass.CreateWebhookResponse createWebhook(telegent.webhook.v1.WebhookOuterClass.CreateWebhookRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getCreateWebhookMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * GetWebhook returns one webhook of an account. Telegent has no call for
     * one webhook: the service reads the account's list and picks the webhook
     * from it. A webhook that is not in the account's list is NOT_FOUND with
     * the `google.rpc.ErrorInfo` reason `WEBHOOK_NOT_FOUND`.
     * </pre>
     */
    public telegent.webhook.v1.WebhookOuterClass.GetWebhookResponse getWebhook(telegent.webhook.v1.WebhookOuterClass.GetWebhookRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getGetWebhookMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * ListWebhooks returns an account's webhooks, a page at a time, ordered by
     * `webhook_id`. Telegent returns the whole list on every call; the service
     * pages it in that stable order, so a webhook created or deleted between
     * two pages is seen at most once and never shifts the others.
     * </pre>
     */
    public telegent.webhook.v1.WebhookOuterClass.ListWebhooksResponse listWebhooks(telegent.webhook.v1.WebhookOuterClass.ListWebhooksRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getListWebhooksMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * UpdateWebhook changes a webhook's settings and returns the webhook.
     * Telegent's update replaces the whole webhook, so the service reads the
     * current webhook, replaces the fields named by `update_mask`, checks the
     * result against the same rules as CreateWebhook, and sends it whole.
     * Fields not named keep their values. Telegent never tells the service a
     * stored password or token, so an update whose result uses BASIC (or
     * TOKEN) authentication must carry `authentication_password` (or
     * `authentication_token`), even when only another field changes; without
     * it the call is INVALID_ARGUMENT with a field violation on that field and
     * nothing is sent. Two concurrent updates of one webhook: the last one to
     * reach Telegent wins whole (Telegent has no version check), so a caller
     * that needs read-modify-write safety serialises its own updates.
     * Repeating an update with the same request is harmless.
     * </pre>
     */
    public telegent.webhook.v1.WebhookOuterClass.UpdateWebhookResponse updateWebhook(telegent.webhook.v1.WebhookOuterClass.UpdateWebhookRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getUpdateWebhookMethod(), getCallOptions(), request);
    }

    /**
     * <pre>
     * DeleteWebhook permanently deletes a webhook. A webhook that is not in the
     * account's list is NOT_FOUND with the `google.rpc.ErrorInfo` reason
     * `WEBHOOK_NOT_FOUND`; that is also the answer to a repeat of a delete that
     * succeeded, so a caller retrying a delete treats `WEBHOOK_NOT_FOUND` as
     * done.
     * </pre>
     */
    public telegent.webhook.v1.WebhookOuterClass.DeleteWebhookResponse deleteWebhook(telegent.webhook.v1.WebhookOuterClass.DeleteWebhookRequest request) {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
          getChannel(), getDeleteWebhookMethod(), getCallOptions(), request);
    }
  }

  /**
   * A stub to allow clients to do ListenableFuture-style rpc calls to service WebhookService.
   * <pre>
   * WebhookService manages Telegent webhooks on behalf of internal services:
   * create, get, list, update and delete.
   * The service validates every request against the rules declared in this file,
   * translates it to Telegent's webhook calls (`POST /v1.0/webhook/create`,
   * `/update`, `/delete` and `GET /v1.0/account/webhooks`), manages Telegent's
   * short-lived, endpoint-scoped tokens, and maps every upstream outcome to a
   * precise status. Upstream failures carry a `google.rpc.ErrorInfo` detail whose
   * reason is stable and whose metadata includes the upstream HTTP status.
   * Every method answers with its own response message holding the webhook
   * (as CreateWebhookResponse does), not the bare `Webhook` or
   * `google.protobuf.Empty` of AIP-131/134/135: one shape for every method,
   * and room for facts about the call itself (such as `recovered`) without a
   * breaking change.
   * No answer of any method carries a webhook's password or token: `Webhook`
   * has no field for them, only `password_set` and `token_set`.
   * Every method names the account it acts on in `account_id`; the caller must
   * be allowed on that account. Get, update and delete also check that the
   * webhook belongs to that account (it is in the account's list), whether or
   * not Telegent would check it: a webhook of another account is NOT_FOUND.
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
     * a failure whose outcome is unknown in the `ErrorInfo` metadata. Such a
     * create made with a `request_id` resolves itself when repeated with the
     * same `request_id` (see `request_id`).
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<telegent.webhook.v1.WebhookOuterClass.CreateWebhookResponse> createWebhook(
        telegent.webhook.v1.WebhookOuterClass.CreateWebhookRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getCreateWebhookMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * GetWebhook returns one webhook of an account. Telegent has no call for
     * one webhook: the service reads the account's list and picks the webhook
     * from it. A webhook that is not in the account's list is NOT_FOUND with
     * the `google.rpc.ErrorInfo` reason `WEBHOOK_NOT_FOUND`.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<telegent.webhook.v1.WebhookOuterClass.GetWebhookResponse> getWebhook(
        telegent.webhook.v1.WebhookOuterClass.GetWebhookRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getGetWebhookMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * ListWebhooks returns an account's webhooks, a page at a time, ordered by
     * `webhook_id`. Telegent returns the whole list on every call; the service
     * pages it in that stable order, so a webhook created or deleted between
     * two pages is seen at most once and never shifts the others.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<telegent.webhook.v1.WebhookOuterClass.ListWebhooksResponse> listWebhooks(
        telegent.webhook.v1.WebhookOuterClass.ListWebhooksRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getListWebhooksMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * UpdateWebhook changes a webhook's settings and returns the webhook.
     * Telegent's update replaces the whole webhook, so the service reads the
     * current webhook, replaces the fields named by `update_mask`, checks the
     * result against the same rules as CreateWebhook, and sends it whole.
     * Fields not named keep their values. Telegent never tells the service a
     * stored password or token, so an update whose result uses BASIC (or
     * TOKEN) authentication must carry `authentication_password` (or
     * `authentication_token`), even when only another field changes; without
     * it the call is INVALID_ARGUMENT with a field violation on that field and
     * nothing is sent. Two concurrent updates of one webhook: the last one to
     * reach Telegent wins whole (Telegent has no version check), so a caller
     * that needs read-modify-write safety serialises its own updates.
     * Repeating an update with the same request is harmless.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<telegent.webhook.v1.WebhookOuterClass.UpdateWebhookResponse> updateWebhook(
        telegent.webhook.v1.WebhookOuterClass.UpdateWebhookRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getUpdateWebhookMethod(), getCallOptions()), request);
    }

    /**
     * <pre>
     * DeleteWebhook permanently deletes a webhook. A webhook that is not in the
     * account's list is NOT_FOUND with the `google.rpc.ErrorInfo` reason
     * `WEBHOOK_NOT_FOUND`; that is also the answer to a repeat of a delete that
     * succeeded, so a caller retrying a delete treats `WEBHOOK_NOT_FOUND` as
     * done.
     * </pre>
     */
    public com.google.common.util.concurrent.ListenableFuture<telegent.webhook.v1.WebhookOuterClass.DeleteWebhookResponse> deleteWebhook(
        telegent.webhook.v1.WebhookOuterClass.DeleteWebhookRequest request) {
      return io.grpc.stub.ClientCalls.futureUnaryCall(
          getChannel().newCall(getDeleteWebhookMethod(), getCallOptions()), request);
    }
  }

  private static final int METHODID_CREATE_WEBHOOK = 0;
  private static final int METHODID_GET_WEBHOOK = 1;
  private static final int METHODID_LIST_WEBHOOKS = 2;
  private static final int METHODID_UPDATE_WEBHOOK = 3;
  private static final int METHODID_DELETE_WEBHOOK = 4;

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
        case METHODID_GET_WEBHOOK:
          serviceImpl.getWebhook((telegent.webhook.v1.WebhookOuterClass.GetWebhookRequest) request,
              (io.grpc.stub.StreamObserver<telegent.webhook.v1.WebhookOuterClass.GetWebhookResponse>) responseObserver);
          break;
        case METHODID_LIST_WEBHOOKS:
          serviceImpl.listWebhooks((telegent.webhook.v1.WebhookOuterClass.ListWebhooksRequest) request,
              (io.grpc.stub.StreamObserver<telegent.webhook.v1.WebhookOuterClass.ListWebhooksResponse>) responseObserver);
          break;
        case METHODID_UPDATE_WEBHOOK:
          serviceImpl.updateWebhook((telegent.webhook.v1.WebhookOuterClass.UpdateWebhookRequest) request,
              (io.grpc.stub.StreamObserver<telegent.webhook.v1.WebhookOuterClass.UpdateWebhookResponse>) responseObserver);
          break;
        case METHODID_DELETE_WEBHOOK:
          serviceImpl.deleteWebhook((telegent.webhook.v1.WebhookOuterClass.DeleteWebhookRequest) request,
              (io.grpc.stub.StreamObserver<telegent.webhook.v1.WebhookOuterClass.DeleteWebhookResponse>) responseObserver);
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
        .addMethod(
          getGetWebhookMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              telegent.webhook.v1.WebhookOuterClass.GetWebhookRequest,
              telegent.webhook.v1.WebhookOuterClass.GetWebhookResponse>(
                service, METHODID_GET_WEBHOOK)))
        .addMethod(
          getListWebhooksMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              telegent.webhook.v1.WebhookOuterClass.ListWebhooksRequest,
              telegent.webhook.v1.WebhookOuterClass.ListWebhooksResponse>(
                service, METHODID_LIST_WEBHOOKS)))
        .addMethod(
          getUpdateWebhookMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              telegent.webhook.v1.WebhookOuterClass.UpdateWebhookRequest,
              telegent.webhook.v1.WebhookOuterClass.UpdateWebhookResponse>(
                service, METHODID_UPDATE_WEBHOOK)))
        .addMethod(
          getDeleteWebhookMethod(),
          io.grpc.stub.ServerCalls.asyncUnaryCall(
            new MethodHandlers<
              telegent.webhook.v1.WebhookOuterClass.DeleteWebhookRequest,
              telegent.webhook.v1.WebhookOuterClass.DeleteWebhookResponse>(
                service, METHODID_DELETE_WEBHOOK)))
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
              .addMethod(getGetWebhookMethod())
              .addMethod(getListWebhooksMethod())
              .addMethod(getUpdateWebhookMethod())
              .addMethod(getDeleteWebhookMethod())
              .build();
        }
      }
    }
    return result;
  }
}
