"""Server interceptors, applied to every unary RPC in one fixed order (outermost first):

1. telemetry      – OpenTelemetry span (opentelemetry-instrumentation-grpc) and RED metrics;
2. auth context   – tenant and caller from metadata, bound for handlers and outbound calls;
                    a resource name of another tenant is refused;
3. validation     – protovalidate on the request; INVALID_ARGUMENT with BadRequest violations;
4. idempotency    – request_id keyed methods execute at most once (mesh.idempotency);
5. error mapping  – DomainError → status with ErrorInfo; anything unexpected → INTERNAL with a
                    generic message, the real error logged with its trace id.

Why this order: every call is traced and counted, even refused ones; nobody reaches validation
without an identity; invalid requests never claim an idempotency key; and idempotency sees the
final mapped status of the handler, so it can store errors as they will be sent.
"""

from mesh.interceptors.chain import Call, Layer, MeshInterceptor

__all__ = ["Call", "Layer", "MeshInterceptor"]
