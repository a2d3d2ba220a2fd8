"""OutgoingMessage refuses what Pub/Sub or its client would refuse, the same way on every bus."""

from __future__ import annotations

import pytest

from mesh.events.bus import OutgoingMessage


def test_text_data_is_refused() -> None:
    with pytest.raises(TypeError, match="bytes"):
        OutgoingMessage("order placed")  # type: ignore[arg-type]


def test_non_string_attribute_value_is_refused() -> None:
    with pytest.raises(TypeError, match="amount"):
        OutgoingMessage(b"x", {"amount": 10})  # type: ignore[dict-item]


@pytest.mark.parametrize("key", ["googclient_id", "timeout", "ordering_key", "topic"])
def test_reserved_attribute_key_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="reserved"):
        OutgoingMessage(b"x", {key: "1"})


def test_attributes_are_a_read_only_copy_of_the_callers_mapping() -> None:
    attributes = {"ce-type": "commerce.orders.v1.OrderPlaced"}
    message = OutgoingMessage(b"x", attributes)

    attributes["ce-type"] = "changed"

    assert message.attributes == {"ce-type": "commerce.orders.v1.OrderPlaced"}
    with pytest.raises(TypeError):
        message.attributes["ce-type"] = "changed"  # type: ignore[index]
