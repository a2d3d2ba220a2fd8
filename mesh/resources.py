"""AIP resource names (AIP-122), parsed and formatted by pattern, never by position.

    INTENT = ResourceName("tenants/{tenant}/paymentIntents/{payment_intent}")
    INTENT.parse("tenants/acme/paymentIntents/pi_1")   # {"tenant": "acme", "payment_intent": "pi_1"}
    INTENT.format(tenant="acme", payment_intent="pi_1")

A pattern alternates literal collection segments and `{variable}` segments; a variable matches
one non-empty segment. The contract's protovalidate rules already check names on the way in, so
a mismatch here is a name the contract let through but this pattern does not describe: the
caller is told which field, instead of a handler reading the wrong segment.
"""

from __future__ import annotations

import re

from mesh.errors import Code, DomainError, FieldViolation, common

__all__ = ["TENANT_ID", "TENANT_PREFIX", "ResourceName"]

# A tenant id, the {tenant} of every top-level resource name: "tenants/{tenant}/…".
TENANT_ID = re.compile(r"^[a-z][a-z0-9-]{1,62}$")
TENANT_PREFIX = "tenants/"

_VARIABLE = re.compile(r"^\{([a-z][a-z0-9_]*)\}$")


class ResourceName:
    """One resource name pattern: `parse` a name into its variables, `format` variables into a name."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._segments = pattern.split("/")
        self.variables = tuple(variable for variable in map(_variable, self._segments) if variable)
        if len(set(self.variables)) != len(self.variables):
            raise ValueError(f"{pattern!r} repeats a variable")
        self._regex = re.compile("^" + "/".join(_segment_regex(segment) for segment in self._segments) + "$")

    def parse(self, name: str, *, field: str = "name") -> dict[str, str]:
        """The variables of `name`; INVALID_ARGUMENT / VALIDATION_FAILED naming `field` if it does
        not match the pattern."""
        matched = self._regex.match(name)
        if matched is None:
            raise DomainError(
                Code.INVALID_ARGUMENT,
                common.VALIDATION_FAILED,
                f"{field} is not a resource name of the form {self.pattern}",
                violations=[FieldViolation(field, f"must match {self.pattern}")],
            )
        return matched.groupdict()

    def format(self, **parts: str) -> str:
        """The name with these variables; ValueError (a bug, not a caller's mistake) if one is
        missing, unknown, empty or would add a segment."""
        if set(parts) != set(self.variables):
            raise ValueError(f"{self.pattern!r} takes {sorted(self.variables)}, not {sorted(parts)}")
        for variable, value in parts.items():
            if not value or "/" in value:
                raise ValueError(f"{variable}={value!r} is not one resource name segment")
        return "/".join(parts[name] if (name := _variable(s)) else s for s in self._segments)

    def __repr__(self) -> str:
        return f"ResourceName({self.pattern!r})"


def _variable(segment: str) -> str | None:
    matched = _VARIABLE.match(segment)
    return matched.group(1) if matched else None


def _segment_regex(segment: str) -> str:
    variable = _variable(segment)
    if variable is not None:
        return f"(?P<{variable}>[^/]+)"
    if not segment or "{" in segment or "}" in segment:
        raise ValueError(f"{segment!r} is neither a collection nor a {{variable}} segment")
    return re.escape(segment)
