"""A client with no generated code: it learns the service from the facade's
server reflection and calls it."""

from __future__ import annotations

import grpc
from conftest import Facade, Sim, hook_url
from google.protobuf import descriptor_pool, json_format, message_factory
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

SERVICE = "telegent.webhook.v1.WebhookService"


def test_reflection_client_loads_and_calls_the_service(facade: Facade, sim: Sim) -> None:
    with grpc.insecure_channel(facade.grpc_target) as channel:
        database = ProtoReflectionDescriptorDatabase(channel)
        assert SERVICE in database.get_services()
        # A pool of its own: the generated modules loaded by other tests live
        # in the default pool and must not answer for the server.
        pool = descriptor_pool.DescriptorPool(database)
        method = pool.FindServiceByName(SERVICE).FindMethodByName("CreateWebhook")
        request_class = message_factory.GetMessageClass(method.input_type)
        response_class = message_factory.GetMessageClass(method.output_type)
        url = hook_url()
        request = json_format.ParseDict(
            {
                "accountId": "AID-reflection1",
                "webhookUrl": url,
                "subscribedEvents": ["WEBHOOK_EVENT_ORDER_UPDATE"],
            },
            request_class(),
        )
        call = channel.unary_unary(
            f"/{SERVICE}/CreateWebhook",
            request_serializer=request_class.SerializeToString,
            response_deserializer=response_class.FromString,
        )
        response = call(request, timeout=30)
    webhook = json_format.MessageToDict(response)["webhook"]
    assert webhook["webhookId"]
    assert webhook["accountId"] == "AID-reflection1"
    assert webhook["subscribedEvents"] == ["WEBHOOK_EVENT_ORDER_UPDATE"]
    assert sim.creates(url) == 1
