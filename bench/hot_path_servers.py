"""The hot-path bench's baseline servers, each run as its own process:

    python -m bench.hot_path_servers bare  [--psp-latency-ms 200]   # grpc.aio and the servicer, nothing else
    python -m bench.hot_path_servers bare_uvloop                    # the same, on uvloop (the services' loop)
    python -m bench.hot_path_servers chain                          # the same servicer behind MeshServer's layers

Each prints "serving … on 127.0.0.1:<port>" once listening (as MeshServer logs it) and stops on
SIGTERM. The servicer answers every payment RPC with a constant message; authorize and capture
first sleep the given PSP latency, as one PSP call each would.

`bare` runs on asyncio's own loop, as the issue's baseline does. Services run on uvloop
(mesh.service.run), and so does `chain`; `bare_uvloop` shows what uvloop alone gives grpc.aio,
so that no ratio credits the runtime with the loop's speed.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import tempfile

import grpc
import uvloop

from bench.hot_path_messages import sample_intent_response
from commerce.payments.v1 import payment_service_pb2 as ps
from commerce.payments.v1 import payment_service_pb2_grpc, vault_service_pb2_grpc
from commerce.payments.v1 import vault_service_pb2 as vs
from mesh.config import MeshSettings
from mesh.runtime import Runtime, configure_process
from mesh.server import ServiceBinding

PAYMENTS = "commerce.payments.v1.PaymentService"
VAULT = "commerce.payments.v1.VaultService"


class ConstantPayments(payment_service_pb2_grpc.PaymentServiceServicer):
    def __init__(self, psp_latency: float) -> None:
        self._intent = sample_intent_response().payment_intent
        self._psp_latency = psp_latency

    async def GetPaymentIntent(self, request, context):
        return ps.GetPaymentIntentResponse(payment_intent=self._intent)

    async def CreatePaymentIntent(self, request, context):
        return ps.CreatePaymentIntentResponse(payment_intent=self._intent)

    async def AuthorizePaymentIntent(self, request, context):
        await asyncio.sleep(self._psp_latency)
        return ps.AuthorizePaymentIntentResponse(payment_intent=self._intent)

    async def CapturePaymentIntent(self, request, context):
        await asyncio.sleep(self._psp_latency)
        return ps.CapturePaymentIntentResponse(payment_intent=self._intent)


class ConstantVault(vault_service_pb2_grpc.VaultServiceServicer):
    async def TokenizeCard(self, request, context):
        return vs.TokenizeCardResponse(token="tok_0123456789abcdef0123456789ab")


def bindings(psp_latency: float) -> list[ServiceBinding]:
    return [
        ServiceBinding(
            PAYMENTS,
            lambda server: payment_service_pb2_grpc.add_PaymentServiceServicer_to_server(
                ConstantPayments(psp_latency), server
            ),
        ),
        ServiceBinding(
            VAULT, lambda server: vault_service_pb2_grpc.add_VaultServiceServicer_to_server(ConstantVault(), server)
        ),
    ]


async def serve_bare(psp_latency: float) -> None:
    server = grpc.aio.server()
    for binding in bindings(psp_latency):
        binding.register(server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    print(f"serving {PAYMENTS}, {VAULT} on 127.0.0.1:{port}", flush=True)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, lambda: asyncio.ensure_future(server.stop(1)))
    await server.wait_for_termination()


async def serve_chain(psp_latency: float) -> None:
    """Telemetry wired as a service's entry point wires it; a database only the guard holds."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = MeshSettings(
            service_name="bench-chain",
            database_url=f"sqlite+aiosqlite:///{tmp}/chain.db",
            shutdown_drain_seconds=0,
            shutdown_grace_seconds=1,
        )
        configure_process(settings)
        runtime = await Runtime.open(settings)
        server = runtime.server(bindings(psp_latency))
        await server.start()
        try:
            await server.serve_until_signalled()
        finally:
            await runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=("bare", "bare_uvloop", "chain"))
    parser.add_argument("--psp-latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    serving = (serve_chain if args.kind == "chain" else serve_bare)(args.psp_latency_ms / 1000)
    if args.kind == "bare":
        asyncio.run(serving)
    else:
        uvloop.run(serving)


if __name__ == "__main__":
    main()
