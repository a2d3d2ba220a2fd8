"""What the runtime knows about each RPC it serves, read from the generated descriptors."""

from __future__ import annotations

import dataclasses

from google.protobuf import descriptor, descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import Message

IDEMPOTENT = descriptor_pb2.MethodOptions.IDEMPOTENT
NO_SIDE_EFFECTS = descriptor_pb2.MethodOptions.NO_SIDE_EFFECTS


@dataclasses.dataclass(frozen=True)
class MethodInfo:
    """One unary RPC: its gRPC path, message classes and idempotency level."""

    path: str  # "/commerce.payments.v1.PaymentService/CreatePaymentIntent"
    request_class: type[Message]
    response_class: type[Message]
    idempotency_level: int

    @property
    def is_mutation(self) -> bool:
        """Request-id keyed writes: the contract marks every one IDEMPOTENT."""
        return self.idempotency_level == IDEMPOTENT


def methods_of(service_full_name: str) -> dict[str, MethodInfo]:
    """Every method of a generated service (its *_pb2 module must be imported), by gRPC path."""
    service = descriptor_pool.Default().FindServiceByName(service_full_name)
    return {f"/{service.full_name}/{m.name}": _info(service, m) for m in service.methods}


def _info(service: descriptor.ServiceDescriptor, method: descriptor.MethodDescriptor) -> MethodInfo:
    return MethodInfo(
        path=f"/{service.full_name}/{method.name}",
        request_class=message_factory.GetMessageClass(method.input_type),
        response_class=message_factory.GetMessageClass(method.output_type),
        idempotency_level=method.GetOptions().idempotency_level,
    )
