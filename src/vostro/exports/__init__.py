"""Exports of what vostro holds, for accountants, analysts and participants' back offices:

* `beancount`: the ledger as one Beancount v3 file (every account, every posted transfer, a
  balance assertion per account that `bean-check` verifies);
* `tables`: accounts, transfers, payments, settlement runs and screenings as typed Arrow tables,
  written as Parquet or CSV;
* `statements`: a validated camt.053 for every account of one day.

Each export reads one snapshot of the database through `vostro.store.exports`, in batches, and
writes as it reads: memory stays bounded whatever the ledger's size. The command line
(`vostro export ...`) and the service (`/v1/exports/...`, operator only) call these functions.
"""
