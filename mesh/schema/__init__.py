"""Schema governance: code generation, the compatibility gate and schema releases.

The gate is what stops a change that would break a deployed client:
- `buf breaking` (FILE + WIRE_JSON) against the released baseline image;
- protovalidate constraints that became stricter (buf ignores custom options): `constraints`,
  reading rules with `rules` and judging changes with `rule_diff`;
- declarations of stable packages that disappeared, which buf skips once they move into an
  unstable package: `stability`;
- golden encoded events of the released schema that must still decode: `golden`;
- a check that crashes is a finding naming the file and the check, never a traceback: `guard`.

Entry points: `mesh.schema.generate`, `mesh.schema.gate`, `mesh.schema.release` (imported
directly, so that generation works before gen/ exists).
"""
