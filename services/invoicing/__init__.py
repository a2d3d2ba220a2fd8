"""The invoicing service: the tenant's append-only double-entry ledger, fed by the payment events."""
