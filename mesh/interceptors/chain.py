"""One grpc.aio interceptor that runs the runtime's layers around each unary handler.

grpc.aio decodes the request before any interceptor code runs, and answers a decoding failure
with UNKNOWN and the exception's text. So the interceptor also wraps each method's deserializer:
bytes that do not parse become `UNDECODABLE`, a stand-in request that the layers see like any
other call (telemetry counts it) until the decoding layer refuses it with the error contract.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, NoReturn, Protocol, TypeAlias

import grpc
from google.protobuf.message import DecodeError, Message
from grpc_status import rpc_status

from mesh.errors import DomainError
from mesh.rpc import MethodInfo

Next = Callable[["Call"], Awaitable[Message]]


class Layer(Protocol):
    """`async def layer(call, following)`: one step of the chain, bound to what follows it by
    that keyword."""

    def __call__(self, call: Call, following: Next) -> Awaitable[Message]: ...


Deserializer = Callable[[bytes], Message]
# The servicer context of a unary call. Its type parameters type read() and write(), which only
# streaming calls have. (A string: grpc.aio.ServicerContext is generic only in the stubs.)
Context: TypeAlias = "grpc.aio.ServicerContext[Message, Message]"


class UndecodableRequest:
    """The request of a call whose bytes were not a valid encoding of the method's message."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNDECODABLE"


UNDECODABLE = UndecodableRequest()
TolerantDeserializer = Callable[[bytes], Message | UndecodableRequest]


@dataclasses.dataclass
class Call:
    """One incoming unary call as the layers see it."""

    info: MethodInfo
    request: Message | UndecodableRequest  # UNDECODABLE until the decoding layer has refused it
    context: Context
    metadata: Mapping[str, str]  # the text entries; of a key given twice, the last
    entries: Sequence[tuple[str, str | bytes]]  # every entry as received, repeats included

    @property
    def message(self) -> Message:
        """The request, for the layers after decoding: that layer has refused an UNDECODABLE one."""
        if isinstance(self.request, UndecodableRequest):
            raise RuntimeError(f"{self.info.path}: a layer ahead of decoding read the request")
        return self.request


class MeshInterceptor(grpc.aio.ServerInterceptor):
    """Wraps every known unary method in `layers` (outermost first); others pass through."""

    def __init__(self, methods: Mapping[str, MethodInfo], layers: Sequence[Layer]) -> None:
        self._methods = methods
        self._layers = tuple(layers)
        # A method's servicer handler never changes once the server runs, so its wrapped handler
        # is built on its first call and reused: per call, building it cost more than a layer.
        self._wrapped: dict[str, grpc.RpcMethodHandler[Any, Any]] = {}

    # Any: one interceptor serves every method, each with its own message types, and the
    # handler it returns takes what `tolerant` decodes (a message, or UNDECODABLE).
    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        wrapped = self._wrapped.get(handler_call_details.method)
        if wrapped is not None:
            return wrapped
        handler = await continuation(handler_call_details)
        info = self._methods.get(handler_call_details.method)
        if handler is None or info is None or handler.unary_unary is None:
            return handler
        wrapped = grpc.unary_unary_rpc_method_handler(
            self._wrap(info, handler.unary_unary),
            request_deserializer=tolerant(handler.request_deserializer),
            response_serializer=handler.response_serializer,
        )
        self._wrapped[handler_call_details.method] = wrapped
        return wrapped

    def _wrap(
        self,
        info: MethodInfo,
        behaviour: Callable[..., Awaitable[Message]],
    ) -> Callable[[Message | UndecodableRequest, Context], Awaitable[Message]]:
        async def innermost(call: Call) -> Message:
            return await behaviour(call.request, call.context)

        pipeline: Next = innermost
        for layer in reversed(self._layers):
            pipeline = _bind(layer, pipeline)

        async def serve(request: Message | UndecodableRequest, context: Context) -> Message:
            entries = tuple(context.invocation_metadata() or ())  # core converts it on every call: once
            metadata = {k: v for k, v in entries if isinstance(v, str)}
            try:
                return await pipeline(Call(info, request, context, metadata, entries))
            except DomainError as err:
                await _abort(context, err)

        return serve


def tolerant(deserialize: Deserializer | None) -> TolerantDeserializer | None:
    """`deserialize`, answering UNDECODABLE instead of raising for bytes that do not parse."""
    if deserialize is None:
        return None

    def deserialize_or_mark(raw: bytes) -> Message | UndecodableRequest:
        try:
            return deserialize(raw)
        except DecodeError:
            return UNDECODABLE

    return deserialize_or_mark


def _bind(layer: Layer, following: Next) -> Next:
    # A partial, not a coroutine of its own around the layer's: one frame less per layer per call.
    return functools.partial(layer, following=following)


async def _abort(context: Context, err: DomainError) -> NoReturn:
    status = rpc_status.to_status(err.status)
    await context.abort(status.code, status.details, trailing_metadata=status.trailing_metadata)
