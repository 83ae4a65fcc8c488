"""The ledger's schema, defined once (SQLAlchemy Core) for SQLite and PostgreSQL.

Alembic migrations under `migrations/` create exactly this; a test compares the two.

* `accounts`: one row per account; `seq` is a compact internal key that transfers refer to, `id`
  the client's 128-bit id (16 bytes, big-endian, so byte order is numeric order). The four
  balances are a cache of the journal, updated in the same transaction as the transfers.
* `transfers`: the journal, append-only. `timestamp` (nanoseconds, unique and strictly increasing,
  assigned by the single writer) is the primary key, so inserts append. Each row also records the
  posted balances of both accounts right after it: the account's balance history, for statements.
* `account_entries`: the journal indexed by account, maintained in sorted bulk (see below), with
  its high-water mark in `ledger_marks`.
* `pending_transfers`: the state of every two-phase reservation (pending, posted, voided, expired).
  Pending balances are the fold of the rows still `pending`.
* `ledger_batches`: one row per committed batch (what the writer committed, when, how many events).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# SQLite only makes a column the table's rowid (fast appends, no separate key index) when it is
# declared exactly `INTEGER PRIMARY KEY`; PostgreSQL needs BIGINT for nanosecond timestamps.
RowKey = BigInteger().with_variant(Integer(), "sqlite")
Id128 = LargeBinary(16)

accounts = Table(
    "accounts",
    metadata,
    Column("seq", RowKey, primary_key=True, autoincrement=False),
    Column("id", Id128, nullable=False, unique=True),
    Column("ledger", Integer, nullable=False),
    Column("code", Integer, nullable=False),
    Column("flags", Integer, nullable=False),
    Column("user_data_128", Id128, nullable=True),
    Column("user_data_64", BigInteger, nullable=False),
    Column("user_data_32", BigInteger, nullable=False),
    Column("debits_pending", BigInteger, nullable=False),
    Column("debits_posted", BigInteger, nullable=False),
    Column("credits_pending", BigInteger, nullable=False),
    Column("credits_posted", BigInteger, nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    # Every batch rewrites thousands of account rows. Free space on each page lets PostgreSQL
    # update them in place (HOT updates, no new index entries): measured +18 % transfers/s.
    postgresql_with={"fillfactor": 50},
)

transfers = Table(
    "transfers",
    metadata,
    Column("timestamp", RowKey, primary_key=True, autoincrement=False),
    Column("id", Id128, nullable=False, unique=True),
    Column("debit_account_seq", BigInteger, nullable=False),
    Column("credit_account_seq", BigInteger, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("pending_id", Id128, nullable=True),
    Column("ledger", Integer, nullable=False),
    Column("code", Integer, nullable=False),
    Column("flags", Integer, nullable=False),
    Column("timeout_s", BigInteger, nullable=False),
    Column("user_data_128", Id128, nullable=True),
    Column("user_data_64", BigInteger, nullable=False),
    Column("user_data_32", BigInteger, nullable=False),
    Column("debit_account_debits_posted", BigInteger, nullable=False),
    Column("debit_account_credits_posted", BigInteger, nullable=False),
    Column("credit_account_debits_posted", BigInteger, nullable=False),
    Column("credit_account_credits_posted", BigInteger, nullable=False),
)

# The per-account index of the journal, maintained in bulk: the writer buffers each committed
# transfer's two (account, timestamp) entries and inserts them sorted, 65,536 transfers at a time,
# with the `account_entries_upto` mark in the same transaction. Random inserts into two B-trees on
# every batch dirtied nearly every index page per batch and cost more than everything else the
# writer does; sorted bulk inserts touch each page once per flush (an LSM tree's idea). Readers
# use the index up to the mark and scan the short journal tail after it.
account_entries = Table(
    "account_entries",
    metadata,
    Column("account_seq", BigInteger, primary_key=True, autoincrement=False),
    Column("timestamp", BigInteger, primary_key=True, autoincrement=False),
    sqlite_with_rowid=False,
)

ledger_marks = Table(
    "ledger_marks",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", BigInteger, nullable=False),
)
ACCOUNT_ENTRIES_MARK = "account_entries_upto"

pending_transfers = Table(
    "pending_transfers",
    metadata,
    Column("timestamp", RowKey, primary_key=True, autoincrement=False),
    Column("status", SmallInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),  # ns; 0 when the transfer has no timeout
    Column("resolved_at", BigInteger, nullable=False),  # ns of the post/void/expiry; 0 if open
    Index("ix_pending_transfers_status", "status", "expires_at"),
)

ledger_batches = Table(
    "ledger_batches",
    metadata,
    Column("batch", RowKey, primary_key=True, autoincrement=False),
    Column("kind", SmallInteger, nullable=False),  # 1 accounts, 2 transfers, 3 expiry tick
    Column("events", Integer, nullable=False),
    Column("first_timestamp", BigInteger, nullable=False),
    Column("last_timestamp", BigInteger, nullable=False),
    Column("committed_at", BigInteger, nullable=False),
)

ACCOUNT_COLUMNS = tuple(c.name for c in accounts.columns)
TRANSFER_COLUMNS = tuple(c.name for c in transfers.columns)


# ------------------------------------------------------------------ payments (revision 0002)

participants = Table(
    "participants",
    metadata,
    Column("bic", String(11), primary_key=True),
    Column("number", Integer, nullable=False, unique=True),  # part of its ledger account ids
    Column("name", String(140), nullable=False),
    Column("country", String(2), nullable=False),
    Column("roles", String(64), nullable=False),  # comma-separated, sorted
    Column("currencies", String(64), nullable=False),  # comma-separated, sorted
    Column("correspondent_bic", String(11), nullable=True),  # where its rupee vostro is held
    Column("status", String(16), nullable=False),
    Column("created_at", BigInteger, nullable=False),
)

participant_accounts = Table(
    "participant_accounts",
    metadata,
    Column("account_id", Id128, primary_key=True),
    Column("bic", String(11), nullable=False, index=True),
    Column("currency", String(3), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("held_at_bic", String(11), nullable=True),
)

fee_schedules = Table(
    "fee_schedules",
    metadata,
    Column("bic", String(11), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("fixed_minor", BigInteger, nullable=False),
    Column("rate_bps", Integer, nullable=False),
    Column("cap_minor", BigInteger, nullable=True),
)

reference_rates = Table(
    "reference_rates",
    metadata,
    Column("base", String(3), primary_key=True),
    Column("quote", String(3), primary_key=True),
    Column("as_of", Date, primary_key=True),
    Column("source", String(64), primary_key=True),
    Column("rate", String(40), nullable=False),  # Decimal as text: exact in both stores
)

standing_rates = Table(
    "standing_rates",
    metadata,
    Column("provider_bic", String(11), primary_key=True),
    Column("source_currency", String(3), primary_key=True),
    Column("target_currency", String(3), primary_key=True),
    Column("tiers", Text, nullable=False),  # JSON [[min_source_minor, spread_bps], ...]
)

fx_quotes = Table(
    "fx_quotes",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("provider_bic", String(11), nullable=False),
    Column("requested_by_bic", String(11), nullable=False),
    Column("source_currency", String(3), nullable=False),
    Column("target_currency", String(3), nullable=False),
    Column("source_amount_minor", BigInteger, nullable=False),
    Column("target_amount_minor", BigInteger, nullable=False),
    Column("rate", String(40), nullable=False),
    Column("reference_rate", String(40), nullable=False),
    Column("spread_bps", Integer, nullable=False),
    Column("margin_minor", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("used_by_uetr", String(36), nullable=True),
)

payments = Table(
    "payments",
    metadata,
    Column("uetr", String(36), primary_key=True),
    Column("payment_id", Id128, nullable=False, unique=True),  # base of its transfer ids
    Column("end_to_end_id", String(35), nullable=False),
    Column("debtor_agent", String(11), nullable=False),
    Column("creditor_agent", String(11), nullable=False),
    Column("flow", String(16), nullable=False),
    Column("source_currency", String(3), nullable=False),
    Column("source_amount_minor", BigInteger, nullable=False),
    Column("target_currency", String(3), nullable=False),
    Column("target_amount_minor", BigInteger, nullable=False),
    Column("quote_id", String(32), nullable=True),
    Column("fx_provider", String(11), nullable=True),
    Column("rate", String(40), nullable=True),
    Column("reference_rate", String(40), nullable=True),
    Column("fee_minor", BigInteger, nullable=False),
    Column("fx_margin_minor", BigInteger, nullable=False),  # in the target currency
    Column("cost_minor", BigInteger, nullable=False),  # fee + margin, in the source currency
    Column("cost_bps", String(16), nullable=False),
    Column("debtor_name", String(140), nullable=False),
    Column("creditor_name", String(140), nullable=False),
    Column("purpose", String(4), nullable=True),
    Column("remittance_info", String(140), nullable=True),
    Column("state", String(16), nullable=False),
    Column("reason_code", String(4), nullable=True),
    Column("reason", Text, nullable=True),
    Column("original_uetr", String(36), nullable=True),  # set on a return
    Column("settlement_date", Date, nullable=True),  # its value date (revision 0008)
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("debtor_agent", "end_to_end_id", name="uq_payments_end_to_end"),
)

payment_events = Table(
    "payment_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uetr", String(36), nullable=False, index=True),
    Column("at", BigInteger, nullable=False),
    Column("state", String(16), nullable=False),
    Column("reason_code", String(4), nullable=True),
    Column("reason", Text, nullable=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", BigInteger, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject", String(64), nullable=False),
    Column("detail", Text, nullable=False),  # JSON
    Column("origin", String(64)),  # where the request came from (client address), if over HTTP
)

vostro_settings = Table(
    "vostro_settings",
    metadata,
    Column("bic", String(11), primary_key=True),
    Column("threshold_minor", BigInteger, nullable=False),
    Column("annual_yield", String(16), nullable=False),  # Decimal fraction, e.g. "0.0650"
)

vostro_days = Table(
    "vostro_days",
    metadata,
    Column("bic", String(11), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("vostro_minor", BigInteger, nullable=False),
    Column("invested_minor", BigInteger, nullable=False),
    Column("interest_minor", BigInteger, nullable=False),
)


# ---------------------------------------------------------------- settlement (revision 0003)

settlement_modes = Table(
    "settlement_modes",
    metadata,
    Column("bic", String(11), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("mode", String(8), nullable=False),  # rtgs | dns
)

net_debit_caps = Table(
    "net_debit_caps",
    metadata,
    Column("bic", String(11), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("cap_minor", BigInteger, nullable=False),
)

bilateral_limits = Table(
    "bilateral_limits",
    metadata,
    Column("bic", String(11), primary_key=True),
    Column("counterparty", String(11), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("limit_minor", BigInteger, nullable=False),
)

payment_queue = Table(
    "payment_queue",
    metadata,
    Column("uetr", String(36), primary_key=True),
    Column("payer", String(11), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("priority", SmallInteger, nullable=False),  # 0 urgent, 1 normal
    Column("arrival", BigInteger, nullable=False),  # ns; order within a priority
    Column("deadline_at", BigInteger, nullable=False),
    Index("ix_payment_queue_order", "currency", "priority", "arrival"),
)

settlement_windows = Table(
    "settlement_windows",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("currency", String(3), nullable=False),
    Column("state", String(16), nullable=False),  # open | closed | settling | settled
    Column("opened_at", BigInteger, nullable=False),
    Column("closed_at", BigInteger, nullable=True),
    Column("settled_at", BigInteger, nullable=True),
)

window_payments = Table(
    "window_payments",
    metadata,
    Column("uetr", String(36), primary_key=True),
    Column("window_id", Integer, nullable=False, index=True),
    Column("payer", String(11), nullable=False),
    Column("payee", String(11), nullable=False),
    Column("amount_minor", BigInteger, nullable=False),  # what the payee receives
    Column("fee_minor", BigInteger, nullable=False),  # what the operator receives
)

settlement_runs = Table(
    "settlement_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # lsm | window
    Column("currency", String(3), nullable=False),
    Column("at", BigInteger, nullable=False),
    Column("report", Text, nullable=False),  # JSON
)


# ------------------------------------------------------------ identifiers (revision 0004)

participant_aliases = Table(
    "participant_aliases",
    metadata,
    # Another identifier of a participant's agent in messages, e.g. a clearing system member id
    # ("USABA:011104238") when a message names no BIC.
    Column("alias", String(64), primary_key=True),
    Column("bic", String(11), nullable=False),
)


# ------------------------------------------------------------------ the service (revision 0005)

api_keys = Table(
    "api_keys",
    metadata,
    # The key itself is shown once and never stored: `vk_<key_id>_<secret>`; only the SHA-256 of
    # the whole key is kept (the secret is 256 random bits, so a fast hash is the right one).
    Column("key_id", String(16), primary_key=True),
    Column("key_hash", LargeBinary(32), nullable=False),
    Column("role", String(16), nullable=False),  # operator | participant | auditor
    Column("bic", String(11)),  # the participant a participant key acts for
    Column("label", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("revoked_at", BigInteger),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    # A POST's response, kept per (caller, Idempotency-Key), replayed when the POST is retried.
    Column("principal", String(32), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("request_hash", LargeBinary(32), nullable=False),
    Column("status", SmallInteger, nullable=False),
    Column("media_type", String(64), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("created_at", BigInteger, nullable=False),
)

payment_tags = Table(
    "payment_tags",
    metadata,
    # The corridor segment a payment belongs to (crude_oil, fertilisers, remittances...), when
    # its sender says, for the corridor totals.
    Column("uetr", String(36), primary_key=True),
    Column("segment", String(64), nullable=False, index=True),
)

# Reads of the API and the dashboard: a participant's payments, newest first.
Index("ix_payments_created_at", payments.c.created_at)
Index("ix_payments_creditor_agent", payments.c.creditor_agent)


# ------------------------------------------------------------------ compliance (revision 0006)

screening_lists = Table(
    "screening_lists",
    metadata,
    # The lists every payment is screened against, with their bytes: a new process screens with
    # exactly what the operator loaded. A reload replaces the row (the audit log keeps the history).
    Column("name", String(64), primary_key=True),
    Column("format", String(8), nullable=False),  # ftm | csv
    Column("version", String(64), nullable=False),  # SHA-256 prefix of the bytes
    Column("source", String(255), nullable=False),  # the file or upload it came from
    Column("entities", Integer, nullable=False),
    Column("loaded_at", BigInteger, nullable=False),
    Column("loaded_by", String(64), nullable=False),
    Column("data", LargeBinary, nullable=False),
)

screenings = Table(
    "screenings",
    metadata,
    # One row per screening of a payment: its decision, the list versions it used, the best score
    # and every match found (JSON), in the same transaction as the payment's state change.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uetr", String(36), nullable=False, index=True),
    Column("at", BigInteger, nullable=False),
    Column("decision", String(8), nullable=False),  # pass | hold | reject
    Column("lists", Text, nullable=False),  # JSON {name: version}
    Column("score", Float, nullable=True),  # the best score over every party and list
    Column("reason", Text, nullable=False),
    Column("findings", Text, nullable=False),  # JSON list of matches
)

payment_holds = Table(
    "payment_holds",
    metadata,
    # A payment held for an operator's decision, and that decision.
    Column("uetr", String(36), primary_key=True),
    Column("held_at", BigInteger, nullable=False),
    Column("deadline_at", BigInteger, nullable=False),
    Column("reserved", SmallInteger, nullable=False),  # 1 when its funds are reserved
    Column("status", String(16), nullable=False),  # held | released | rejected | expired
    Column("decided_at", BigInteger, nullable=True),
    Column("decided_by", String(64), nullable=True),
    Column("decision_reason", Text, nullable=True),
    Index("ix_payment_holds_status", "status", "deadline_at"),
)

screening_overrides = Table(
    "screening_overrides",
    metadata,
    # A match an operator released as a false positive, remembered for the same party against the
    # same entity of the same list version; a new list version screens the party afresh.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("party_key", String(140), nullable=False),  # the party's normalised name
    Column("entity_id", String(255), nullable=False),
    Column("list_name", String(64), nullable=False),
    Column("list_version", String(64), nullable=False),
    Column("uetr", String(36), nullable=False),  # the payment whose release remembered it
    Column("created_at", BigInteger, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    UniqueConstraint(
        "party_key", "entity_id", "list_name", "list_version", name="uq_screening_overrides"
    ),
)

payment_limits = Table(
    "payment_limits",
    metadata,
    # Per-payment and per-day maxima, by payer ("*" for every payer), flow ("*" for every flow)
    # and the currency the payer sends.
    Column("participant", String(11), primary_key=True),
    Column("flow", String(16), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("per_payment_max_minor", BigInteger, nullable=True),
    Column("per_day_max_minor", BigInteger, nullable=True),
    Column("set_at", BigInteger, nullable=False),
    Column("set_by", String(64), nullable=False),
)

# A payer's accepted total for the day (daily limits) reads its payments by time.
Index("ix_payments_payer_day", payments.c.debtor_agent, payments.c.created_at)


# ------------------------------------------------------------ ISO 20022 headers (revision 0007)

business_messages = Table(
    "business_messages",
    metadata,
    # Every business application header received: a sender's BizMsgIdr is unique per sender, so
    # a repeat is refused (AM05). Written in the unit of work of the message's payments.
    Column("sender", String(11), primary_key=True),  # the participant's BIC (the header's Fr)
    Column("business_message_id", String(35), primary_key=True),  # BizMsgIdr
    Column("definition", String(35), nullable=False),  # MsgDefIdr, e.g. pacs.008.001.08
    Column("received_at", BigInteger, nullable=False),
)


# --------------------------------------------------------------- the operating day (revision 0008)

# A currency's schedule: 24×7, or a day with an opening, cut-offs and an end of day (minutes
# after local midnight). A currency without a row is 24×7.
day_schedules = Table(
    "day_schedules",
    metadata,
    Column("currency", String(3), primary_key=True),
    Column("always_open", Boolean, nullable=False),
    Column("opens", Integer, nullable=False),
    Column("customer_cutoff", Integer, nullable=True),
    Column("interbank_cutoff", Integer, nullable=True),
    Column("urgent_cutoff", Integer, nullable=True),
    Column("end_of_day", Integer, nullable=False),
)

# The operator's changes to a currency's calendar: a day closed, or a holiday opened.
calendar_closures = Table(
    "calendar_closures",
    metadata,
    Column("currency", String(3), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("closed", Boolean, nullable=False),
    Column("reason", String(140), nullable=False),
)

# Each currency's operating days: open → closing → closed, with where its statements begin.
operating_days = Table(
    "operating_days",
    metadata,
    Column("currency", String(3), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("state", String(8), nullable=False),
    Column("opened_at", BigInteger, nullable=False),
    Column("span_start", BigInteger, nullable=False),
    Column("closing_at", BigInteger, nullable=True),
    Column("closed_at", BigInteger, nullable=True),
    Column("report", Text, nullable=True),  # JSON: the day's report, once its step is done
)

# The end-of-day steps done: the primary key makes each step happen once.
end_of_day_steps = Table(
    "end_of_day_steps",
    metadata,
    Column("currency", String(3), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("step", String(16), primary_key=True),
    Column("done_at", BigInteger, nullable=False),
    Column("detail", Text, nullable=False),  # JSON
)

# The camt.053 of every account for the day, kept for download.
day_statements = Table(
    "day_statements",
    metadata,
    Column("day", Date, primary_key=True),
    Column("name", String(80), primary_key=True),  # the file name
    Column("currency", String(3), nullable=False),
    Column("account_id", Id128, nullable=False),
    Column("owner", String(11), nullable=True),
    Column("xml", LargeBinary, nullable=False),
)

# Participants whose queued payments are carried to the next business day instead of rejected.
day_carry = Table(
    "day_carry",
    metadata,
    Column("bic", String(11), primary_key=True),
)

Index("ix_payments_scheduled", payments.c.state, payments.c.settlement_date)
