"""Bytes that are not a valid encoding of the method's request, sent as a client would, to every
method of every service the payments process serves: the answer is the error contract
(INVALID_ARGUMENT / VALIDATION_FAILED), never UNKNOWN with the parser's exception text."""

from __future__ import annotations

import re
from collections.abc import Iterator

import grpc
import pytest
from google.protobuf.message import DecodeError
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from hypothesis import given, settings
from hypothesis import strategies as st

from commerce.payments.v1 import payment_service_pb2, vault_service_pb2  # noqa: F401 (descriptors for methods_of)
from mesh.config import MeshSettings
from mesh.context import CALLER_HEADER, TENANT_HEADER
from mesh.errors import COMMON_DOMAIN, DomainError
from mesh.rpc import MethodInfo, methods_of
from tests.integration.runtime.metered_mesh import requests_counted, start_metered_mesh
from tests.integration.runtime.service_process import ServiceProcess

SERVICES = ("commerce.payments.v1.PaymentService", "commerce.payments.v1.VaultService")
METHODS: dict[str, MethodInfo] = {path: info for name in SERVICES for path, info in methods_of(name).items()}
LEAKED_INTERNALS = re.compile(r"DecodeError|Traceback|class|Error parsing|Wire format|Unexpected")
METADATA = ((TENANT_HEADER, "acme"), (CALLER_HEADER, "fuzzer"))


@pytest.fixture(scope="module")
def payments_channel(tmp_path_factory) -> Iterator[grpc.Channel]:
    """A channel to the payments service running embedded in its own process."""
    database = tmp_path_factory.mktemp("malformed") / "payments.db"
    process = ServiceProcess(
        "services.payments.main", {"DATABASE_URL": f"sqlite+aiosqlite:///{database}", "SHUTDOWN_DRAIN_SECONDS": "0"}
    )
    try:
        port = process.wait_until_serving()
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield channel
    finally:
        process.kill()


def parses(request_class: type, body: bytes) -> bool:
    try:
        request_class.FromString(body)
    except DecodeError:
        return False
    return True


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    return bytes(out + bytes([value]))


def _tag(field: int, wire_type: int) -> bytes:
    return _varint(field << 3 | wire_type)


fields = st.integers(min_value=1, max_value=20)
payloads = st.binary(max_size=24)
broken_encodings = st.one_of(
    st.binary(min_size=1, max_size=64),  # noise: most of it is not protobuf
    st.builds(lambda f, n: _tag(f, 0) + b"\x80" * n, fields, st.integers(0, 10)),  # varint never ends
    st.builds(
        lambda f, p, extra: _tag(f, 2) + _varint(len(p) + extra) + p, fields, payloads, st.integers(1, 1000)
    ),  # length runs past the end
    st.builds(lambda f, w, p: _tag(f, w) + p, fields, st.sampled_from([3, 4, 6, 7]), payloads),  # bad wire types
    st.builds(lambda p: b"\x00" + p, payloads),  # field number 0
    st.builds(lambda f, p: _tag(f, 2) + _varint(len(p) + 2) + b"\xff\xfe" + p, fields, payloads),  # not UTF-8
)


def undecodable(info: MethodInfo) -> st.SearchStrategy[bytes]:
    """Bytes this method's request type cannot parse (a few broken encodings do parse as
    unknown fields: those are filtered out, they are valid requests)."""
    return broken_encodings.filter(lambda body: not parses(info.request_class, body))


def raw_call(channel: grpc.Channel, path: str, body: bytes) -> grpc.RpcError:
    """Send `body` as it is (no serializer) and return the error the server answered."""
    call = channel.unary_unary(path, request_serializer=None, response_deserializer=None)
    with pytest.raises(grpc.RpcError) as raised:
        call(body, metadata=METADATA, timeout=10)
    return raised.value


def assert_contract_refusal(error: grpc.RpcError) -> None:
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, f"{error.code()}: {error.details()}"
    info = DomainError.from_status(rpc_status.from_call(error)).detail(error_details_pb2.ErrorInfo)
    assert (info.reason, info.domain) == ("VALIDATION_FAILED", COMMON_DOMAIN)
    assert not LEAKED_INTERNALS.search(error.details()), error.details()


@pytest.mark.parametrize("path", METHODS)
def test_truncated_varint_is_invalid_argument_with_error_info(payments_channel, path: str) -> None:
    assert_contract_refusal(raw_call(payments_channel, path, b"\x08"))


@pytest.mark.parametrize("path", METHODS)
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_undecodable_bytes_are_invalid_argument_with_error_info(payments_channel, path: str, data) -> None:
    body = data.draw(undecodable(METHODS[path]), label="body")

    assert_contract_refusal(raw_call(payments_channel, path, body))


async def test_undecodable_request_is_counted_by_telemetry(tmp_path, captured_metrics) -> None:
    settings = MeshSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/m.db", shutdown_drain_seconds=0)
    mesh = await start_metered_mesh(settings, captured_metrics.provider)
    path = "/commerce.payments.v1.PaymentService/GetPaymentIntent"
    try:
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await mesh.channel.unary_unary(path)(b"\x08", metadata=mesh.metadata(), timeout=10)
    finally:
        await mesh.channel.close()
        await mesh.server.shutdown()
        await mesh.runtime.close()

    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert requests_counted(captured_metrics, path) == {"INVALID_ARGUMENT": 1}
