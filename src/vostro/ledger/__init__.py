"""The double-entry ledger: accounts, transfers, its single writer and its independent verifier."""
