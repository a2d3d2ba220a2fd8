"""tenant_owns: the check every consumer makes on an envelope (its tenant owns its subject)."""

from __future__ import annotations

import pytest

from mesh.events.envelope import tenant_owns


@pytest.mark.parametrize(
    ("tenant", "name"),
    [
        ("acme", "tenants/acme/paymentIntents/pi_1"),
        ("acme", "tenants/acme/paymentIntents/pi_1/refunds/re_1"),
        ("t-0123456789", "tenants/t-0123456789/invoices/inv_1"),
    ],
)
def test_a_resource_under_the_tenant_is_owned(tenant: str, name: str) -> None:
    assert tenant_owns(tenant, name)


@pytest.mark.parametrize(
    ("tenant", "name"),
    [
        pytest.param("acme", "tenants/globex/paymentIntents/pi_1", id="another-tenants-resource"),
        pytest.param("acme", "tenants/acmecorp/paymentIntents/pi_1", id="a-tenant-whose-id-extends-ours"),
        pytest.param("acme", "tenants/acme", id="the-tenant-itself"),
        pytest.param("acme", "tenants/acme/", id="nothing-after-the-tenant"),
        pytest.param("acme", "", id="no-name"),
        pytest.param("acme", "paymentIntents/pi_1", id="outside-any-tenant"),
        pytest.param("acme", "/tenants/acme/paymentIntents/pi_1", id="a-leading-slash"),
        pytest.param("", "tenants//paymentIntents/pi_1", id="no-tenant"),
        pytest.param("Acme", "tenants/Acme/paymentIntents/pi_1", id="not-a-tenant-id"),
        pytest.param("a", "tenants/a/paymentIntents/pi_1", id="a-tenant-id-too-short"),
        pytest.param("acme\n", "tenants/acme\n/paymentIntents/pi_1", id="a-tenant-ending-in-a-newline"),
        pytest.param("acme/paymentIntents", "tenants/acme/paymentIntents/pi_1", id="a-tenant-spanning-segments"),
    ],
)
def test_anything_else_is_not(tenant: str, name: str) -> None:
    assert not tenant_owns(tenant, name)
