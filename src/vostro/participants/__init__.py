"""Participants: banks, money transfer operators, FX providers and the operator, and the ledger
accounts the platform opens for each."""
