"""Layer 2: who is calling, for which tenant; bound as the request context.

Inside the mesh, tenant and caller travel as metadata (x-commerce-tenant, x-commerce-caller):
the gateway sets them from a verified JWT, services propagate them on internal calls. Each
must appear at most once: a second entry (a client's own beside the gateway's) is refused. Any
top-level resource name in the request ("tenants/{tenant}/…") must name the caller's tenant, so
no handler can be tricked into reading or writing another tenant's data.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from google.protobuf.message import Message

from mesh import context as request_context
from mesh.errors import Code, DomainError, common
from mesh.interceptors.chain import Call, Layer, Next
from mesh.resources import TENANT_ID, TENANT_PREFIX

IDENTITY_HEADERS = (request_context.TENANT_HEADER, request_context.CALLER_HEADER)


def auth_layer() -> Layer:
    async def layer(call: Call, following: Next) -> Message:
        ctx = _context_of(call)
        _check_resource_tenants(call.message, ctx.tenant)
        token = request_context.bind(ctx)
        try:
            return await following(call)
        finally:
            request_context.reset(token)

    return layer


def _context_of(call: Call) -> request_context.RequestContext:
    _refuse_repeated_identity(call.entries)
    tenant = call.metadata.get(request_context.TENANT_HEADER, "")
    if not TENANT_ID.match(tenant):
        raise _unauthenticated(f"missing or malformed {request_context.TENANT_HEADER} metadata")
    remaining = call.context.time_remaining()
    return request_context.RequestContext(
        tenant=tenant,
        caller=call.metadata.get(request_context.CALLER_HEADER, "unknown"),
        method=call.info.path,
        deadline=None if remaining is None else time.monotonic() + remaining,
    )


def _refuse_repeated_identity(metadata: Iterable[tuple[str, str | bytes]]) -> None:
    """Two tenant (or caller) entries are ambiguous: which one did the gateway verify? The
    metadata dict keeps only the last, so count the raw entries."""
    identity = [key for key, _ in metadata if key in IDENTITY_HEADERS]
    if len(identity) > len(set(identity)):  # some header appears twice
        for header in IDENTITY_HEADERS:
            if identity.count(header) > 1:
                raise _unauthenticated(f"{header} metadata must appear once, not {identity.count(header)} times")


def _unauthenticated(message: str) -> DomainError:
    return DomainError(Code.UNAUTHENTICATED, common.UNAUTHENTICATED, message)


def _check_resource_tenants(request: Message, tenant: str) -> None:
    for field, value in request.ListFields():
        if isinstance(value, str) and value.startswith(TENANT_PREFIX):
            if value.split("/", 2)[1] != tenant:
                raise DomainError(
                    Code.PERMISSION_DENIED,
                    common.TENANT_MISMATCH,
                    f"{field.name} names a tenant other than the caller's",
                    metadata={"field": field.name},
                )
