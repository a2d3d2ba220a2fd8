"""The caller's tenant comes from one place: the request context the auth interceptor bound."""

from __future__ import annotations

import pytest

from mesh import context


def test_current_tenant_is_the_bound_contexts() -> None:
    token = context.bind(context.RequestContext(tenant="acme", caller="tests", method="/x.Y/Z"))
    try:
        assert context.current_tenant() == "acme"
    finally:
        context.reset(token)


def test_current_tenant_refuses_to_guess_outside_a_call() -> None:
    with pytest.raises(context.NoRequestContext):
        context.current_tenant()
