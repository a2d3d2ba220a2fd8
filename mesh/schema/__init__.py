"""Schema governance: code generation, the compatibility gate and schema releases.

The gate is what stops a change that would break a deployed client:
- `buf breaking` (FILE + WIRE_JSON) against the released baseline image;
- protovalidate constraints that became stricter (buf ignores custom options);
- golden encoded events of the released schema that must still decode.

Entry points: `mesh.schema.generate`, `mesh.schema.gate`, `mesh.schema.release` (imported
directly, so that generation works before gen/ exists).
"""
