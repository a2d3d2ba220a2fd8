"""Invoicing's domain: the chart of accounts, balanced journal entries, the hash chain, and the
postings each business event makes. Pure: no I/O, no clock."""
