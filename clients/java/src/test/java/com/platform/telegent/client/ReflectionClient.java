package com.platform.telegent.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import io.grpc.Channel;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Loads a service's descriptors from a server's gRPC reflection service (v1), as a caller without
 * generated code would: the file that defines the symbol and every file it imports.
 */
final class ReflectionClient {
  private static final long TIMEOUT_SECONDS = 30;

  private ReflectionClient() {}

  /** The names of the services the server lists. */
  static List<String> listServices(Channel channel) throws IOException, InterruptedException {
    ServerReflectionResponse response =
        ask(channel, ServerReflectionRequest.newBuilder().setListServices("").build());
    List<String> names = new ArrayList<>();
    response.getListServicesResponse().getServiceList().forEach(s -> names.add(s.getName()));
    return names;
  }

  /** The descriptor of the service with this full name, built from what the server sent. */
  static ServiceDescriptor loadService(Channel channel, String serviceName)
      throws IOException, InterruptedException {
    ServerReflectionResponse response =
        ask(channel, ServerReflectionRequest.newBuilder().setFileContainingSymbol(serviceName).build());
    int dot = serviceName.lastIndexOf('.');
    String packageName = dot < 0 ? "" : serviceName.substring(0, dot);
    String simpleName = serviceName.substring(dot + 1);
    Map<String, FileDescriptorProto> protos = new HashMap<>();
    String defining = null;
    for (ByteString bytes : response.getFileDescriptorResponse().getFileDescriptorProtoList()) {
      FileDescriptorProto proto = FileDescriptorProto.parseFrom(bytes);
      protos.put(proto.getName(), proto);
      if (proto.getPackage().equals(packageName)
          && proto.getServiceList().stream().anyMatch(s -> s.getName().equals(simpleName))) {
        defining = proto.getName();
      }
    }
    if (defining == null) {
      throw new IOException("load " + serviceName + ": the server sent no file defining it");
    }
    return build(defining, protos, new HashMap<>()).findServiceByName(simpleName);
  }

  private static FileDescriptor build(
      String name, Map<String, FileDescriptorProto> protos, Map<String, FileDescriptor> built)
      throws IOException {
    FileDescriptor done = built.get(name);
    if (done != null) {
      return done;
    }
    FileDescriptorProto proto = protos.get(name);
    if (proto == null) {
      throw new IOException("build " + name + ": the server did not send it");
    }
    List<FileDescriptor> deps = new ArrayList<>();
    for (String dependency : proto.getDependencyList()) {
      deps.add(build(dependency, protos, built));
    }
    try {
      FileDescriptor file = FileDescriptor.buildFrom(proto, deps.toArray(new FileDescriptor[0]));
      built.put(name, file);
      return file;
    } catch (DescriptorValidationException e) {
      throw new IOException("build " + name + ": " + e.getMessage(), e);
    }
  }

  private static ServerReflectionResponse ask(Channel channel, ServerReflectionRequest request)
      throws IOException, InterruptedException {
    LinkedBlockingQueue<Object> answers = new LinkedBlockingQueue<>();
    StreamObserver<ServerReflectionRequest> requests =
        ServerReflectionGrpc.newStub(channel)
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse value) {
                    answers.add(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    answers.add(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(request);
    requests.onCompleted();
    Object answer = answers.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    if (answer == null) {
      throw new IOException("ask server reflection: no answer in " + TIMEOUT_SECONDS + "s");
    }
    if (answer instanceof Throwable t) {
      throw new IOException("ask server reflection: " + t.getMessage(), t);
    }
    ServerReflectionResponse response = (ServerReflectionResponse) answer;
    if (response.hasErrorResponse()) {
      throw new IOException("ask server reflection: " + response.getErrorResponse().getErrorMessage());
    }
    return response;
  }
}
