"""The invoice state machine, as one table: which state allows which action.

DRAFT → OPEN (finalize) → PAID once amount_due reaches zero; VOID and UNCOLLECTIBLE are the
exits. A draft is the only thing that can be edited; credit notes apply to issued invoices
that are OPEN or PAID; an UNCOLLECTIBLE invoice can still be paid (and becomes PAID) or voided
while no payment is applied (that last condition is checked by the invoice, not the table).
"""

from __future__ import annotations

import enum

from services.invoicing.domain.billing_errors import InvoiceStateInvalid

__all__ = ["Action", "InvoiceState", "allowed", "require"]


class InvoiceState(enum.Enum):
    DRAFT = "DRAFT"
    OPEN = "OPEN"
    PAID = "PAID"
    VOID = "VOID"
    UNCOLLECTIBLE = "UNCOLLECTIBLE"


class Action(enum.Enum):
    EDIT = "edit"
    FINALIZE = "finalize"
    PAY = "pay"
    CREDIT = "credit"
    VOID = "void"
    MARK_UNCOLLECTIBLE = "mark uncollectible"


_S = InvoiceState
_ALLOWED: dict[Action, frozenset[InvoiceState]] = {
    Action.EDIT: frozenset({_S.DRAFT}),
    Action.FINALIZE: frozenset({_S.DRAFT}),
    Action.PAY: frozenset({_S.OPEN, _S.UNCOLLECTIBLE}),
    Action.CREDIT: frozenset({_S.OPEN, _S.PAID}),
    Action.VOID: frozenset({_S.DRAFT, _S.OPEN, _S.UNCOLLECTIBLE}),
    Action.MARK_UNCOLLECTIBLE: frozenset({_S.OPEN}),
}


def allowed(action: Action, state: InvoiceState) -> bool:
    return state in _ALLOWED[action]


def require(action: Action, state: InvoiceState) -> None:
    """InvoiceStateInvalid unless `state` allows `action`."""
    if not allowed(action, state):
        raise InvoiceStateInvalid(action.value, state.value)
