"""Calling a mutating RPC twice with one request_id, for any service's call-twice tests
(tests/integration/*/test_call_twice.py): the helpers, and the three checks every mutating RPC
passes. A service's test module supplies its calls and an `observe()` that counts its effects
and captures everything it holds.

Errors are read off the wire (status code, google.rpc.ErrorInfo in the details), never through
mesh.errors, so the checks hold whatever shape that module takes.
"""

from __future__ import annotations

import collections
import dataclasses
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

import grpc
import pytest
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

M = TypeVar("M", bound=Message)


class AnswerLost(Exception):
    """Stands for the process dying after a use case committed, before its outcome was stored."""


Outcome = Message | status_pb2.Status  # a response, or the google.rpc.Status of a failed call


async def outcome(call: Awaitable[Message]) -> Outcome:
    """The call's response, or the status the server sent (code, message and details)."""
    try:
        return await call
    except grpc.aio.AioRpcError as error:
        status = rpc_status.from_call(error)
        assert status is not None, f"{error.code()} {error.details()!r} carries no google.rpc.Status"
        return status


def error_info(status: status_pb2.Status) -> error_details_pb2.ErrorInfo:
    [info] = [detail for detail in status.details if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR)]
    unpacked = error_details_pb2.ErrorInfo()
    info.Unpack(unpacked)
    return unpacked


def refusal(answer: Outcome) -> tuple[grpc.StatusCode, str, str]:
    """(code, ErrorInfo reason, ErrorInfo domain) of a refused call."""
    assert isinstance(answer, status_pb2.Status), f"expected a refusal, got {answer}"
    info = error_info(answer)
    [code] = [code for code in grpc.StatusCode if code.value[0] == answer.code]
    return code, info.reason, info.domain


def assert_key_reused(answer: Outcome) -> None:
    """The documented answer to a request_id reused with another body (README, mesh.idempotency)."""
    assert refusal(answer) == (grpc.StatusCode.INVALID_ARGUMENT, "IDEMPOTENCY_KEY_REUSED", "commerce.type.v1")


def added(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, int]:
    """What grew between two counts of effects, and by how much."""
    return {kind: after[kind] - before.get(kind, 0) for kind in after if after[kind] != before.get(kind, 0)}


def changed(request: M, **fields: object) -> M:
    """A copy of `request` with `fields` merged in: the same request_id, another body."""
    other = type(request)()
    other.CopyFrom(request)
    other.MergeFrom(type(request)(**fields))
    assert other != request
    return other


def new_id() -> str:
    return str(uuid.uuid4())


def interrupt_once_after(owner: object, use_case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The next `owner.use_case` commits all its phases, then its process dies before the outcome
    is stored: the caller sees INTERNAL, and the request_id is free for a retry that resumes
    from the last recovery point (as after a crash, once the lock has expired)."""
    original = getattr(owner, use_case)

    async def interrupted(*args: object, **kwargs: object) -> object:
        monkeypatch.setattr(owner, use_case, original)
        await original(*args, **kwargs)
        raise AnswerLost(f"died after {use_case} committed")

    monkeypatch.setattr(owner, use_case, interrupted)


@dataclasses.dataclass(frozen=True)
class Observed:
    counts: collections.Counter[str]  # effects by kind: rows, events, operations at the PSPs
    state: tuple[str, ...]  # every row of every table and everything each PSP holds, as text


Observe = Callable[[], Awaitable[Observed]]


@dataclasses.dataclass(frozen=True)
class Call:
    method: Callable[..., Awaitable[Message]]  # a stub's method
    request: Message
    other: Message  # another body under the same request_id
    metadata: tuple[tuple[str, str], ...]

    def send(self, request: Message | None = None) -> Awaitable[Message]:
        return self.method(self.request if request is None else request, metadata=self.metadata)


def assert_first_answer(refused: str | None, answer: Outcome) -> None:
    """The first call's answer: refused with `refused` as its reason, or (None) a response."""
    if refused:
        assert refusal(answer)[1] == refused
    else:
        assert not isinstance(answer, status_pb2.Status), f"refused: {answer}"


async def check_a_second_call_replays(
    call: Call, observe: Observe, effects: Mapping[str, int], refused: str | None
) -> None:
    """The second call answers the first answer, the first left `effects`, the second nothing."""
    before = await observe()
    first = await outcome(call.send())
    once = await observe()
    second = await outcome(call.send())

    assert_first_answer(refused, first)
    assert second == first
    assert added(before.counts, once.counts) == effects
    assert await observe() == once


async def check_another_body_is_refused(call: Call, observe: Observe, refused: str | None) -> None:
    """The same request_id with another body is IDEMPOTENCY_KEY_REUSED and changes nothing."""
    assert_first_answer(refused, await outcome(call.send()))
    once = await observe()

    reused = await outcome(call.send(call.other))

    assert_key_reused(reused)
    assert await observe() == once


async def check_a_lost_answer_is_retried_once(
    call: Call, observe: Observe, effects: Mapping[str, int], current: Callable[[Outcome], Awaitable[None]]
) -> None:
    """With the use case interrupted after its last phase (interrupt_once_after), the retry answers
    the success, a third call the same, and `effects` happened once; `current` checks an answer
    against what is stored now."""
    before = await observe()
    lost = await outcome(call.send())
    retried = await outcome(call.send())
    again = await outcome(call.send())

    assert refusal(lost)[0] is grpc.StatusCode.INTERNAL  # transient: the key was released for the retry
    assert_first_answer(None, retried)
    await current(retried)
    assert again == retried
    assert added(before.counts, (await observe()).counts) == effects
