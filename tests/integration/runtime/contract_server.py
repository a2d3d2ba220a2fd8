"""A mesh server serving every service of the contract with handlers that all answer UNIMPLEMENTED
"reached the handler": a call answered so passed every runtime layer, one refused with
INVALID_ARGUMENT was stopped by them, whichever service it was for."""

from __future__ import annotations

import dataclasses
import importlib
import pathlib
from collections.abc import AsyncIterator

import grpc
import pytest
from google.protobuf.message import Message
from google.rpc import error_details_pb2

from mesh.config import MeshSettings
from mesh.context import CALLER_HEADER, TENANT_HEADER
from mesh.rpc import methods_of
from mesh.runtime import Runtime
from mesh.server import MeshServer, ServiceBinding
from tests.integration.runtime.conftest import status_of

GEN = pathlib.Path(__file__).parents[3] / "gen" / "python"


def contract_bindings() -> list[ServiceBinding]:
    """One binding per service in gen/python/commerce/*/v1/*_service_pb2_grpc.py."""
    bindings = []
    for path in sorted(GEN.glob("commerce/*/v1/*_service_pb2_grpc.py")):
        stubs = importlib.import_module(".".join(path.relative_to(GEN).with_suffix("").parts))
        messages = importlib.import_module(stubs.__name__.removesuffix("_grpc"))
        for service in messages.DESCRIPTOR.services_by_name.values():
            add = getattr(stubs, f"add_{service.name}Servicer_to_server")
            servicer = _reaching(getattr(stubs, f"{service.name}Servicer"), service)
            bindings.append(ServiceBinding(service.full_name, lambda server, a=add, s=servicer: a(s, server)))
    return bindings


REACHED = "reached the handler"
TENANT = "acme"  # requests name "tenants/acme/…"


def _reaching(base: type, service) -> object:
    async def reached(self, request, context):
        await context.abort(grpc.StatusCode.UNIMPLEMENTED, REACHED)

    return type(f"Reaching{base.__name__}", (base,), {method.name: reached for method in service.methods})()


def reached_handler(err: grpc.aio.AioRpcError) -> bool:
    return (err.code(), err.details()) == (grpc.StatusCode.UNIMPLEMENTED, REACHED)


@dataclasses.dataclass
class ContractServer:
    runtime: Runtime
    server: MeshServer
    channel: grpc.aio.Channel
    tenant: str

    def metadata(self) -> tuple[tuple[str, str], ...]:
        return ((TENANT_HEADER, self.tenant), (CALLER_HEADER, "tests"))

    async def refusal(self, service: str, method: str, request: Message) -> grpc.aio.AioRpcError:
        """Call `service`/`method` with `request`; the error it must end with."""
        info = methods_of(service)[f"/{service}/{method}"]
        call = self.channel.unary_unary(
            info.path,
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=info.response_class.FromString,
        )
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await call(request, metadata=self.metadata(), timeout=10)
        return raised.value


def violated_fields(err: grpc.aio.AioRpcError) -> list[str]:
    """The BadRequest field paths of a VALIDATION_FAILED error (asserting it is one)."""
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, err
    paths, reasons = [], []
    for packed in status_of(err).details:
        bad_request, info = error_details_pb2.BadRequest(), error_details_pb2.ErrorInfo()
        if packed.Unpack(bad_request):
            paths += [violation.field for violation in bad_request.field_violations]
        elif packed.Unpack(info):
            reasons.append(info.reason)
    assert reasons == ["VALIDATION_FAILED"]
    return paths


@pytest.fixture
async def contract_server(tmp_path) -> AsyncIterator[ContractServer]:
    runtime = await Runtime.open(
        MeshSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/contract.db", shutdown_drain_seconds=0)
    )
    server = runtime.server(contract_bindings())
    port = await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    yield ContractServer(runtime, server, channel, tenant=TENANT)  # a database of its own: no clash
    await channel.close()
    await server.shutdown()
    await runtime.close()
