"""Payments: the lifecycle of a payment from acceptance to settlement, rejection or return."""
