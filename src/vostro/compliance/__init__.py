"""Compliance: sanctions screening of every party to a payment."""
