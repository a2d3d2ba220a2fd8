"""Server interceptors, applied to every unary RPC in one fixed order (outermost first):

1. telemetry      – the OpenTelemetry server span (mesh.telemetry.server_spans) and RED metrics;
2. shedding       – refuses a call before any work: UNAVAILABLE once the server is shutting
                    down, DEADLINE_EXCEEDED when too little of the deadline is left,
                    RESOURCE_EXHAUSTED beyond `max_concurrent_calls`; counts the calls it lets in
                    so shutdown can wait for them (mesh.interceptors.shedding);
3. decoding       – a request whose bytes did not parse is INVALID_ARGUMENT / VALIDATION_FAILED
                    (the chain's deserializer marks it UNDECODABLE instead of failing UNKNOWN);
4. auth context   – tenant and caller from metadata, bound for handlers and outbound calls;
                    a resource name of another tenant is refused;
5. validation     – protovalidate on the request; INVALID_ARGUMENT with BadRequest violations;
6. idempotency    – request_id keyed methods execute at most once (mesh.idempotency);
7. error mapping  – a DomainError passes as it is (the chain sends its status, ErrorInfo and
                    all, whichever layer raised it); anything unexpected → INTERNAL with a
                    generic message, the real error logged with its trace id.

Why this order: every call is traced and counted, even refused ones; shedding is the cheapest
check and protects everything after it, so it comes first and a shed call costs next to nothing;
no later layer ever sees a request that is not a message;
nobody reaches validation without an identity; invalid requests never claim an idempotency
key; and idempotency sees the final mapped status of the handler, so it can store errors as
they will be sent. Health checks and reflection pass through untouched: never shed."""

from mesh.interceptors.chain import Call, Layer, MeshInterceptor

__all__ = ["Call", "Layer", "MeshInterceptor"]
