"""Which RPCs get spans, decided once per method path and never per call.

Health checks and reflection get none: probes every few seconds would drown real traffic.
The decision is a string test on the path ("/package.Service/Method"), cached per path, so a
served or outgoing call costs one cache lookup (OpenTelemetry's own filters run an
`isinstance` against a typing Protocol on every call).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

__all__ = ["MethodFilter", "UNTRACED_SERVICE_PREFIXES", "is_traced_method", "once_per_method"]

T = TypeVar("T")

MethodFilter = Callable[[str], bool]  # a gRPC method path → whether its calls get spans

UNTRACED_SERVICE_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.")
_DISTINCT_METHODS = 4096  # far above any process's set of methods: in practice every path stays cached


def is_traced_method(path: str) -> bool:
    return not path.startswith(UNTRACED_SERVICE_PREFIXES)


def once_per_method(decide: Callable[[str], T]) -> Callable[[str], T]:
    """`decide`, asked once per distinct method path; later calls answer from the cache."""
    return functools.lru_cache(maxsize=_DISTINCT_METHODS)(decide)
