"""Tenant and caller metadata must each appear once: with two x-commerce-tenant entries the last
used to win, so a client could add its own beside the gateway's. Two of either are refused
UNAUTHENTICATED, like a malformed tenant, before any handler runs."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2

from mesh.context import CALLER_HEADER, TENANT_HEADER
from tests.integration.runtime.conftest import Mesh
from tests.integration.runtime.test_error_contract import details


async def refused(mesh: Mesh, metadata) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await mesh.stub.CreatePaymentIntent(mesh.create_request(), metadata=metadata)
    return raised.value


def reason(err: grpc.aio.AioRpcError) -> str:
    [info] = details(err, error_details_pb2.ErrorInfo)
    return info.reason


async def test_two_tenant_entries_are_unauthenticated_even_when_the_last_is_the_callers(mesh: Mesh) -> None:
    err = await refused(mesh, ((TENANT_HEADER, "someone-else"), (TENANT_HEADER, mesh.tenant), (CALLER_HEADER, "t")))

    assert (err.code(), reason(err)) == (grpc.StatusCode.UNAUTHENTICATED, "UNAUTHENTICATED")
    assert TENANT_HEADER in err.details()
    assert mesh.service.seen.executions == 0


async def test_the_same_tenant_twice_is_refused_too(mesh: Mesh) -> None:
    err = await refused(mesh, ((TENANT_HEADER, mesh.tenant), (TENANT_HEADER, mesh.tenant)))

    assert (err.code(), reason(err)) == (grpc.StatusCode.UNAUTHENTICATED, "UNAUTHENTICATED")


async def test_two_caller_entries_are_unauthenticated(mesh: Mesh) -> None:
    err = await refused(mesh, ((TENANT_HEADER, mesh.tenant), (CALLER_HEADER, "gateway"), (CALLER_HEADER, "admin")))

    assert (err.code(), reason(err)) == (grpc.StatusCode.UNAUTHENTICATED, "UNAUTHENTICATED")
    assert CALLER_HEADER in err.details()
    assert mesh.service.seen.executions == 0


async def test_one_of_each_is_served(mesh: Mesh) -> None:
    await mesh.stub.CreatePaymentIntent(mesh.create_request(), metadata=mesh.metadata())

    assert mesh.service.seen.executions == 1
