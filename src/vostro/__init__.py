"""vostro: a settlement platform for cross-border payments in local currencies.

The package is layered: entrypoints (`cli`, later `api`) use the features, the features post
through `vostro.ledger`, and the ledger persists through the `vostro.store` interface.
"""

__version__ = "0.1.0"
