"""Choosing a PSP for each payment, falling back safely, and asking PSPs what happened."""

from services.payments.routing.router import OutcomeUnknown, PspRouter, Routed, RoutingPolicy, RoutingRule

__all__ = ["OutcomeUnknown", "PspRouter", "Routed", "RoutingPolicy", "RoutingRule"]
