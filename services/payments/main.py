"""The payments service process: wiring only."""

from __future__ import annotations

import base64
import logging
import os

from pydantic import SecretStr

from commerce.payments.v1 import payment_service_pb2_grpc, vault_service_pb2_grpc
from mesh.config import SERVICE_PORTS, MeshSettings, Port
from mesh.events import EventBus
from mesh.persistence import Database
from mesh.runtime import Runtime
from mesh.server import ServiceBinding
from mesh.service import Service, run
from services.payments.api import PaymentApi, VaultApi
from services.payments.app import PaymentsApp
from services.payments.janitor import VerificationJanitor
from services.payments.migrations import PAYMENTS_MIGRATIONS
from services.payments.psp.factory import SANDBOX_ALPHA, SANDBOX_BETA, remote_sandbox_psps, sandbox_psps
from services.payments.routing import PspRouter, RoutingPolicy, RoutingRule
from services.payments.vault import KeyRing, Vault

log = logging.getLogger("payments")
# The CVC is discarded after tokenization and must not persist in any form, not even hashed.
UNFINGERPRINTED = frozenset({"commerce.payments.v1.TokenizeCardRequest.cvc"})


class PaymentsSettings(MeshSettings):
    service_name: str = "payments"
    grpc_port: Port = SERVICE_PORTS["payments"]
    # "k2:<base64 32 bytes>,k1:<…>", first = active; on GKE a KMS-decrypted secret. Unset: an
    # ephemeral key for the embedded default only (tokens do not survive a restart).
    vault_keys: SecretStr | None = None
    vault_fingerprint_key: SecretStr | None = None
    # Tests and benchmarks only (bench/hot_path.py): every sandbox PSP call first waits this long.
    sandbox_psp_latency_ms: float = 0.0
    # "host:port" of services.payments.psp.sandbox_server: the sandbox PSPs live in that process,
    # so they outlive this one (the crash drill kills it). Unset: in process.
    sandbox_psp_addr: str | None = None


def build_app(database: Database, settings: PaymentsSettings) -> PaymentsApp:
    vault = Vault(_key_ring(settings), _fingerprint_key(settings))
    policy = RoutingPolicy(
        rules=(RoutingRule(psps=(SANDBOX_BETA, SANDBOX_ALPHA), currencies=frozenset({"GBP"})),),
        default=(SANDBOX_ALPHA, SANDBOX_BETA),
    )
    latency = settings.sandbox_psp_latency_ms / 1000
    psps = (
        remote_sandbox_psps(settings.sandbox_psp_addr)
        if settings.sandbox_psp_addr
        else sandbox_psps(latency=(latency, latency))
    )
    return PaymentsApp(database, vault, PspRouter(psps, policy), lease_ttl=settings.idempotency_lock_ttl)


def bindings(app: PaymentsApp) -> list[ServiceBinding]:
    return [
        ServiceBinding(
            "commerce.payments.v1.PaymentService",
            lambda server: payment_service_pb2_grpc.add_PaymentServiceServicer_to_server(PaymentApi(app), server),
        ),
        ServiceBinding(
            "commerce.payments.v1.VaultService",
            lambda server: vault_service_pb2_grpc.add_VaultServiceServicer_to_server(VaultApi(app), server),
        ),
    ]


def wire(settings: PaymentsSettings, runtime: Runtime, bus: EventBus) -> Service:
    """Payments publishes (the runtime's relay) and consumes nothing; its one worker is the janitor."""
    app = build_app(runtime.database, settings)
    return Service(bindings(app), workers=[VerificationJanitor(app).run])


def _key_ring(settings: PaymentsSettings) -> KeyRing:
    if settings.vault_keys is not None:
        return KeyRing.from_setting(settings.vault_keys.get_secret_value())
    log.warning("VAULT_KEYS unset: using an ephemeral vault key (embedded default only)")
    return KeyRing.from_setting(f"dev:{base64.b64encode(os.urandom(32)).decode()}")


def _fingerprint_key(settings: PaymentsSettings) -> bytes:
    if settings.vault_fingerprint_key is not None:
        return base64.b64decode(settings.vault_fingerprint_key.get_secret_value())
    return os.urandom(32)


if __name__ == "__main__":
    run(PaymentsSettings(), wire, migrations=[PAYMENTS_MIGRATIONS], unfingerprinted=UNFINGERPRINTED)
