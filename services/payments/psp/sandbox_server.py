"""The sandbox PSPs in a process of their own, so that a test can kill the payments process and
still ask the PSP what it did: `python -m services.payments.psp.sandbox_server --port 0` serves
sandbox-alpha and sandbox-beta (factory.sandbox_psps) on TCP and prints its port on stdout.

One JSON object per line each way (wire.py); a connection carries calls one after another:
- PSP calls: {"op": "authorize" | "capture" | "void" | "refund" | "status" | "settlement_report",
  "psp": name, "args": {...}} → {"ok": result} or {"error": {"kind": …}};
- inspection: {"op": "payments", "args": {"reference": …}} → every payment for that reference at
  any PSP: amounts, and how many captures and refunds executed on it;
- control: {"op": "hold", "psp": …, "args": {"operation": …, "when": "before" | "after"}} →
  {"ok": {"hold": id}}, later {"held": {…the call…}} once the next such call is stopped; the
  test sends {"op": "release"} and gets {"ok": {"released": id}} once the call went past the
  point (executed, for "before"). With "every": true the hold stops every such call until
  released (a gate). The connection then belongs to that hold; closing it releases it, so a
  test that dies never leaves a call stuck.
Nothing here logs a card number: calls are logged by operation, PSP and key.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from mesh.errors import DomainError
from mesh.telemetry.redaction import RedactionFilter
from services.payments.psp.connector import AuthorizeRequest, PspResult, PspTimeout
from services.payments.psp.factory import sandbox_psps
from services.payments.psp.sandbox import SandboxPsp
from services.payments.psp.sandbox_holds import AFTER, BEFORE, Hold, Holds
from services.payments.psp.wire import (
    LINE_LIMIT,
    WireCard,
    decode_money,
    encode_error,
    encode_money,
    encode_result,
    read_message,
    write_message,
)

__all__ = ["SandboxServer", "main"]

log = logging.getLogger("payments.psp.sandbox_server")

Call = Callable[[], Awaitable[Any]]


def _authorize(psp: SandboxPsp, args: dict[str, Any]) -> Call:
    request = AuthorizeRequest(args["key"], decode_money(args["amount"]), WireCard(**args["card"]), args["reference"])
    return lambda: psp.authorize(request)


def _capture(psp: SandboxPsp, args: dict[str, Any]) -> Call:
    amount = decode_money(args["amount"])
    return lambda: psp.capture(args["key"], args["psp_reference"], amount)


def _refund(psp: SandboxPsp, args: dict[str, Any]) -> Call:
    amount = decode_money(args["amount"])
    return lambda: psp.refund(args["key"], args["psp_reference"], amount)


def _void(psp: SandboxPsp, args: dict[str, Any]) -> Call:
    return lambda: psp.void(args["key"], args["psp_reference"])


def _status(psp: SandboxPsp, args: dict[str, Any]) -> Call:
    return lambda: psp.status(args["key"])


def _settlement_report(psp: SandboxPsp, args: dict[str, Any]) -> Call:
    day = datetime.date.fromisoformat(args["day"])
    return lambda: psp.settlement_report(day)


# Each operation parses its arguments first (a malformed request executes nothing), then calls.
PSP_OPERATIONS: dict[str, Callable[[SandboxPsp, dict[str, Any]], Call]] = {
    "authorize": _authorize,
    "capture": _capture,
    "void": _void,
    "refund": _refund,
    "status": _status,
    "settlement_report": _settlement_report,
}


class _Effects:
    """What executed on each payment: a capture or refund reference is new per execution (a
    replay returns the first one), so distinct references count executions."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, str], set[str]] = collections.defaultdict(set)

    def note(self, operation: str, payment: str | None, result: PspResult | None) -> None:
        if operation in ("capture", "refund") and payment and result is not None and result.psp_reference:
            self._items[(operation, payment)].add(result.psp_reference)

    def count(self, operation: str, payment: str) -> int:
        return len(self._items.get((operation, payment), ()))


class SandboxServer:
    """Serves `psps` over one TCP listener; see the module's docstring for the protocol."""

    def __init__(self, psps: dict[str, SandboxPsp]) -> None:
        self.psps = psps
        self.holds = Holds()
        self._effects = _Effects()
        self._connections: dict[asyncio.Task, asyncio.StreamWriter] = {}

    async def close(self) -> None:
        """Let held calls go, hang up on every connection and wait for their handlers to end."""
        self.holds.release_all()
        for writer in self._connections.values():
            writer.close()
        await asyncio.gather(*self._connections, return_exceptions=True)

    async def serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is None:  # asyncio.start_server runs each connection's handler in a task of its own
            raise RuntimeError("serve_connection runs in the task asyncio gives a connection")
        self._connections[task] = writer
        try:
            while (request := await self._next_request(reader, writer)) is not None:
                if request.get("op") == "hold":
                    await self._serve_hold(request, reader, writer)
                    break
                await write_message(writer, await self.answer(request))
        except (ConnectionError, OSError):
            pass  # the caller is gone (killed, say): its answer is lost, as a real PSP's would be
        finally:
            self._connections.pop(task, None)
            writer.close()

    async def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        """The answer to one PSP call or inspection; never raises."""
        op, args = request.get("op"), request.get("args") or {}
        try:
            if op == "payments":
                return self._payments(args)
            psp = self._psp(request.get("psp"))
            if not isinstance(op, str):
                raise KeyError("op")
            call = PSP_OPERATIONS[op](psp, args)
        except (AttributeError, KeyError, TypeError, ValueError) as err:
            return _bad_request(f"malformed {op!s:.32} request ({type(err).__name__})")
        return await self._held_call(psp.name, op, args, call)

    async def _held_call(self, psp: str, operation: str, args: dict[str, Any], call: Call) -> dict[str, Any]:
        key = str(args.get("key", ""))
        async with self.holds.point(psp, operation, BEFORE, key):
            answer = await self._executed(psp, operation, args, call)
        async with self.holds.point(psp, operation, AFTER, key):
            return answer

    async def _executed(self, psp: str, operation: str, args: dict[str, Any], call: Call) -> dict[str, Any]:
        log.info("psp %s %s key=%s", psp, operation, args.get("key", ""))
        try:
            value = await call()
        except PspTimeout as err:  # executed, its answer lost on purpose: the effect still counts
            self._effects.note(operation, args.get("psp_reference"), await self.psps[psp].status(err.idempotency_key))
            return {"error": encode_error(err)}
        except DomainError as err:
            return {"error": encode_error(err)}
        except Exception as err:  # no traceback: its text could hold what the request carried
            log.error("psp %s %s failed: %s", psp, operation, type(err).__name__)
            return {"error": encode_error(err)}
        if isinstance(value, str):
            return {"ok": value}  # a settlement report
        self._effects.note(operation, args.get("psp_reference"), value)
        return {"ok": encode_result(value)}

    def _psp(self, name: object) -> SandboxPsp:
        if name not in self.psps:
            raise KeyError("psp")
        return self.psps[name]

    def _payments(self, args: dict[str, Any]) -> dict[str, Any]:
        reference = str(args.get("reference", ""))
        return {
            "ok": [
                self._payment_view(name, payment)
                for name, psp in self.psps.items()
                for payment in psp.payments_for(reference)
            ]
        }

    def _payment_view(self, psp: str, payment) -> dict[str, Any]:
        return {
            "psp": psp,
            "psp_reference": payment.psp_reference,
            "state": payment.state,
            "authorized": encode_money(payment.authorized),
            "captured": encode_money(payment.captured),
            "refunded": encode_money(payment.refunded),
            "captures": self._effects.count("capture", payment.psp_reference),
            "refunds": self._effects.count("refund", payment.psp_reference),
        }

    async def _next_request(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> dict[str, Any] | None:
        while True:
            try:
                request = await read_message(reader)
            except ValueError:  # not JSON, or beyond the line limit: say so, never echo it
                await write_message(writer, _bad_request("not a JSON line"))
                continue
            return request if request is None or isinstance(request, dict) else {}

    async def _serve_hold(
        self, request: dict[str, Any], reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        args = request.get("args") or {}
        try:
            if args["operation"] not in PSP_OPERATIONS:
                raise ValueError("operation")
            hold = self.holds.arm(
                self._psp(request.get("psp")).name,
                args["operation"],
                str(args["when"]),
                every=bool(args.get("every", False)),
            )
        except (AttributeError, KeyError, TypeError, ValueError) as err:
            await write_message(writer, _bad_request(f"malformed hold ({type(err).__name__})"))
            return
        try:
            await write_message(writer, {"ok": {"hold": hold.id}})
            if await _held_or_closed(hold, reader, writer):
                self.holds.disarm(hold)
                await hold.wait_until_past()
                await write_message(writer, {"ok": {"released": hold.id}})
        finally:
            self.holds.disarm(hold)


async def _held_or_closed(hold: Hold, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
    """Tell the test when its call is held, and wait for its release; False if it hung up."""
    released = asyncio.ensure_future(read_message(reader))
    try:
        await asyncio.wait({hold.held, released}, return_when=asyncio.FIRST_COMPLETED)
        if hold.held.done():
            await write_message(writer, {"held": hold.held.result()})
        message = await released
    finally:
        released.cancel()
    return message is not None and message.get("op") == "release"


def _bad_request(message: str) -> dict[str, Any]:
    return {"error": {"kind": "bad_request", "message": message}}


async def serve(host: str, port: int, *, ready: Callable[[int], None]) -> None:
    """Serve until SIGTERM or SIGINT; `ready` gets the bound port."""
    server = SandboxServer(sandbox_psps())
    listener = await asyncio.start_server(server.serve_connection, host, port, limit=LINE_LIMIT)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    async with listener:
        ready(listener.sockets[0].getsockname()[1])
        await stop.wait()
        listener.close()
        await server.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port; the port is printed on stdout")
    args = parser.parse_args(argv)
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactionFilter())  # belt and braces: nothing here should log a card number anyway
    logging.basicConfig(level=logging.INFO, handlers=[handler], format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(serve(args.host, args.port, ready=lambda port: print(port, flush=True)))


if __name__ == "__main__":
    main()
