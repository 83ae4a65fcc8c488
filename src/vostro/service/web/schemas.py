"""The API's request and response bodies. Money is always an integer number of minor units
(`*_minor`), with the formatted amount beside it for people; never a float."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    StringConstraints,
    model_validator,
)
from pydantic import GetJsonSchemaHandler as JsonHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from vostro import text
from vostro.money import settled_codes
from vostro.service.web.params import (
    BIC_PATTERN,
    JSON_INT_MAX,
    JSON_INTEGER,
    IsoDate,
    Settled,
    StrictBool,
)
from vostro.text import TextType

Bic = Annotated[
    str,
    StringConstraints(pattern=BIC_PATTERN),
    Field(description="BIC (ISO 9362), 8 or 11 characters", examples=["SBININBB"]),
]
CurrencyCode = Settled  # an ISO 4217 code vostro settles: an enum in the schema
Minor = Annotated[
    int,
    Field(
        gt=0,
        le=JSON_INT_MAX,
        description="Amount in minor units (paise, kopecks): an integer, never a decimal",
    ),
    JSON_INTEGER,
]
Uetr = Annotated[
    str,
    StringConstraints(
        pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
    ),
    Field(description="Unique end-to-end transaction reference (UUID v4, lower case)"),
]


@dataclass(frozen=True, slots=True)
class Wire:
    """A text field of one of `vostro.text`'s types: its length and characters checked (a
    refusal names the character and where it is), its pattern and length in the OpenAPI
    document."""

    kind: TextType

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        length = core_schema.str_schema(
            min_length=self.kind.min_chars or None, max_length=self.kind.max_chars
        )
        return core_schema.no_info_after_validator_function(self.kind.valid, length)

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: JsonHandler
    ) -> JsonSchemaValue:
        found = handler(schema)
        found.update(pattern=self.kind.pattern, description=self.kind.description)
        return found


EndToEndId = Annotated[str, Wire(text.END_TO_END_ID)]
QuoteId = Annotated[str, Wire(text.QUOTE_ID)]
Name = Annotated[str, Wire(text.PARTY_NAME)]
ParticipantName = Annotated[str, Wire(text.PARTICIPANT_NAME)]
Remittance = Annotated[str, Wire(text.MAX140_TEXT)]
Reason = Annotated[str, Wire(text.REASON)]
Label = Annotated[str, Wire(text.LABEL)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ------------------------------------------------------------------ participants
class ParticipantIn(Strict):
    bic: Bic
    name: ParticipantName
    roles: list[Literal["bank", "mto", "fx_provider"]] = Field(min_length=1)
    currencies: list[CurrencyCode] = Field(min_length=1, max_length=8)
    correspondent_bic: Bic | None = None


class ParticipantOut(BaseModel):
    bic: str
    name: str
    number: int = Field(description="Its number: its accounts' ids are derived from it")
    country: str
    roles: list[str]
    currencies: list[str]
    correspondent_bic: str | None
    status: str


class StatusChange(Strict):
    reason: Reason


class AliasIn(Strict):
    alias: Label = Field(
        description="Another identifier messages name the participant by",
        examples=["USABA:011104238"],
    )


class FundsIn(Strict):
    currency: CurrencyCode
    amount_minor: Minor
    transfer_id: Annotated[int, Field(gt=0, le=JSON_INT_MAX), JSON_INTEGER] | None = Field(
        None, description="Client id of the funding transfer (retry-safe); generated if absent"
    )


class FundsOut(BaseModel):
    bic: str
    currency: str
    amount_minor: int
    result: str
    transfer_id: str
    balance_minor: int


class AccountOut(BaseModel):
    account_id: str
    kind: str
    currency: str
    debits_posted_minor: int
    credits_posted_minor: int
    debits_pending_minor: int
    credits_pending_minor: int
    balance_minor: int
    available_minor: int
    balance: str


class StatementLine(BaseModel):
    transfer_id: str
    timestamp: int
    debit_minor: int
    credit_minor: int
    balance_minor: int
    code: int
    counterparty_account: str
    payment_uetr: str | None


class StatementOut(BaseModel):
    bic: str
    account_id: str
    currency: str
    lines: list[StatementLine]
    next_cursor: str | None = None  # the older entries' page, if there are more


# ------------------------------------------------------------------------ FX
class QuoteIn(Strict):
    provider: Bic
    source_currency: CurrencyCode
    target_currency: CurrencyCode
    source_amount_minor: Minor
    payer: Bic | None = Field(None, description="Who will pay; a participant key quotes for itself")


class QuoteOut(BaseModel):
    id: str
    provider: str
    requested_by: str
    source_currency: str
    target_currency: str
    source_amount_minor: int
    target_amount_minor: int
    rate: str
    reference_rate: str
    spread_bps: int
    margin_minor: int
    expires_at: str
    used_by: str | None = None


# ------------------------------------------------------------------ payments
class PaymentIn(Strict):
    uetr: Uetr | None = Field(None, description="Generated if absent; send one to retry safely")
    end_to_end_id: EndToEndId
    debtor_agent: Bic | None = Field(None, description="The paying bank; defaults to the caller")
    creditor_agent: Bic
    amount_minor: Minor
    currency: CurrencyCode
    target_currency: CurrencyCode | None = None
    quote_id: QuoteId | None = None
    flow: Literal["trade", "remittance", "transfer"] = "trade"
    debtor_name: Name = ""
    creditor_name: Name = ""
    purpose: Annotated[str, StringConstraints(pattern=r"^[A-Z]{4}$")] | None = None
    remittance_info: Remittance | None = None
    urgent: StrictBool = False
    segment: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,64}$")] | None = Field(
        None, description="Corridor segment for the totals, e.g. crude_oil or remittances"
    )
    settlement_date: IsoDate | None = Field(
        None,
        description=(
            "Interbank settlement (value) date, YYYY-MM-DD: a later business day warehouses the "
            "payment (`scheduled`) until that day opens; today's operating day if absent"
        ),
    )
    next_day_if_late: StrictBool = Field(
        False,
        description="After its cut-off, warehouse it for the next business day instead of TM01",
    )


class EventOut(BaseModel):
    at: int
    state: str
    reason_code: str | None
    reason: str | None


class PaymentOut(BaseModel):
    uetr: str
    end_to_end_id: str
    state: str
    debtor_agent: str
    creditor_agent: str
    flow: str
    source_currency: str
    source_amount_minor: int
    target_currency: str
    target_amount_minor: int
    fee_minor: int
    fx_margin_minor: int
    cost_minor: int
    cost_bps: str
    quote_id: str | None
    fx_provider: str | None
    rate: str | None
    reason_code: str | None
    reason: str | None
    original_uetr: str | None
    debtor_name: str
    creditor_name: str
    settlement_date: str | None = Field(description="Its value date, YYYY-MM-DD")
    events: list[EventOut] | None = None


class PriorityIn(Strict):
    priority: Literal["urgent", "normal"]


class ReturnIn(Strict):
    reason: Reason
    return_uetr: Uetr | None = None


class QueueEntryOut(BaseModel):
    uetr: str
    payer: str
    currency: str
    priority: str
    queued_at: int
    deadline: int


# ------------------------------------------------------------------ settlement
class LsmIn(Strict):
    currency: CurrencyCode
    optimal: StrictBool = False


class ReportOut(BaseModel):
    kind: str
    currency: str
    gross_minor: int
    net_minor: int
    saved_minor: int
    saved_pct: str
    settled: int
    still_queued: int
    rejected: int
    mean_queue_s: float
    p95_queue_s: float
    window_id: int | None
    optimal: bool
    notes: list[str]
    run_id: int | None = None  # the stored run (null for a dry run that stored nothing)


class WindowOut(BaseModel):
    id: int
    currency: str
    state: str
    opened_at: int
    closed_at: int | None
    settled_at: int | None


class VostroDayOut(BaseModel):
    bic: str
    day: str
    vostro_minor: int
    invested_minor: int
    interest_minor: int


# ---------------------------------------------------------------------- keys
class KeyIn(Strict):
    """A key for the operator or an auditor: it names no participant."""

    role: Literal["operator", "auditor"]
    label: Label


class ParticipantKeyIn(Strict):
    """A participant's key names its participant."""

    role: Literal["participant"]
    bic: Bic
    label: Label


class KeyOut(BaseModel):
    key_id: str
    role: str
    bic: str | None
    label: str
    created_at: int
    created_by: str
    revoked_at: int | None


class NewKeyOut(KeyOut):
    key: str = Field(description="The API key itself: shown this once, never stored")


class AuditOut(BaseModel):
    id: int
    at: int
    actor: str
    action: str
    subject: str
    origin: str | None
    detail: dict[str, object]


class Health(BaseModel):
    status: str
    role: str | None = None  # the writer's: active, standby, stopped, unavailable
    pid: int | None = None  # the process that answered (one of the HTTP workers)
    writer_pid: int | None = None  # the writer's process
    detail: str | None = None


# ---------------------------------------------------------------- configuration
DecimalText = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{1,12}(\.[0-9]{1,10})?$"),
    Field(description="A decimal number as text (never a float)", examples=["84.5"]),
]


class RateIn(Strict):
    """A reference rate: units of `quote` per unit of `base`, two different currencies."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "not": {
                "anyOf": [
                    {"properties": {"base": {"const": c}, "quote": {"const": c}}}
                    for c in settled_codes()
                ]
            }
        },
    )
    base: CurrencyCode
    quote: CurrencyCode
    rate: DecimalText
    as_of: IsoDate
    source: Label

    @model_validator(mode="after")
    def _two_currencies(self) -> RateIn:
        if self.base == self.quote:
            raise ValueError("base and quote must be two different currencies")
        return self


class RatesIn(Strict):
    rates: list[RateIn] = Field(min_length=1, max_length=500)


class RateOut(BaseModel):
    base: str
    quote: str
    rate: str
    as_of: str
    source: str


class TierIn(Strict):
    min_source_minor: Annotated[int, Field(ge=0, le=JSON_INT_MAX), JSON_INTEGER]
    spread_bps: Annotated[int, Field(ge=0, le=5_000), JSON_INTEGER]


class StandingRateIn(Strict):
    tiers: list[TierIn] = Field(min_length=1, max_length=20)


class FeeIn(Strict):
    fixed_minor: Annotated[int, Field(ge=0, le=JSON_INT_MAX), JSON_INTEGER] = 0
    rate_bps: Annotated[int, Field(ge=0, le=10_000), JSON_INTEGER] = 0
    cap_minor: Annotated[int, Field(ge=0, le=JSON_INT_MAX), JSON_INTEGER] | None = None


class ModeIn(Strict):
    mode: Literal["rtgs", "dns"]
    net_debit_cap_minor: Annotated[int, Field(ge=0, le=JSON_INT_MAX), JSON_INTEGER] | None = None


class NetDebitCapIn(Strict):
    net_debit_cap_minor: Annotated[int, Field(ge=0, le=JSON_INT_MAX), JSON_INTEGER]


class BilateralLimitIn(Strict):
    limit_minor: Annotated[int, Field(ge=0, le=JSON_INT_MAX), JSON_INTEGER]


class Done(BaseModel):
    done: bool = True
    detail: str


class VostroSettingsIn(Strict):
    threshold_minor: Annotated[int, Field(ge=0, le=JSON_INT_MAX), JSON_INTEGER]
    annual_yield: Annotated[
        str,
        StringConstraints(pattern=r"^0(\.[0-9]{1,6})?$"),
        Field(description="Treasury bill yield as a fraction, e.g. 0.065", examples=["0.065"]),
    ]


# ---------------------------------------------------------------- compliance
class ScreenIn(Strict):
    name: ParticipantName
    identifiers: list[Label] = Field(default_factory=list, max_length=10)


class DecisionIn(Strict):
    reason: Reason
    remember: StrictBool = Field(
        False, description="Release: remember this false positive for this party and list version"
    )


class ListRemoveIn(Strict):
    reason: Reason


class LimitIn(Strict):
    per_payment_max_minor: Annotated[int, Field(gt=0, le=JSON_INT_MAX), JSON_INTEGER] | None = None
    per_day_max_minor: Annotated[int, Field(gt=0, le=JSON_INT_MAX), JSON_INTEGER] | None = None


# ------------------------------------------------------------- operating days
HourMinute = Annotated[
    str,
    StringConstraints(pattern=r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"),
    Field(description="A time of day HH:MM in the currency's own zone (24:00 is midnight)"),
]


class CutoffsIn(Strict):
    customer: HourMinute = Field(description="Customer transfers (pacs.008): trade, remittances")
    interbank: HourMinute = Field(description="Bank-to-bank transfers (pacs.009) and returns")
    urgent: HourMinute = Field(description="Payments sent with urgent priority")


class ScheduleIn(Strict):
    always_open: StrictBool = Field(
        False, description="24×7: every day a business day, open all day; its end of day at 24:00"
    )
    opens: HourMinute | None = None
    cutoffs: CutoffsIn | None = None
    end_of_day: HourMinute | None = None


class ScheduleOut(BaseModel):
    always_open: bool
    opens: str
    cutoffs: dict[str, str]
    end_of_day: str


class ClosureIn(Strict):
    closed: StrictBool = Field(description="True closes the day; false opens a day that is closed")
    reason: Reason


class ClosureOut(BaseModel):
    day: str
    closed: bool
    reason: str


class ClosedDayOut(BaseModel):
    day: str
    why: str


class CalendarOut(BaseModel):
    currency: str
    zone: str
    schedule: ScheduleOut
    day: str = Field(description="The operating day now, YYYY-MM-DD")
    state: Literal["open", "closing", "closed"]
    opens_at: int = Field(description="UTC nanoseconds")
    end_of_day_at: int = Field(description="UTC nanoseconds")
    cutoffs: dict[str, int] = Field(description="Each kind's cut-off today, UTC nanoseconds")
    closures: list[ClosureOut] = Field(description="The operator's changes to the calendar")
    closed_ahead: list[ClosedDayOut] = Field(description="Days closed within the value horizon")


class DayStatementOut(BaseModel):
    name: str
    currency: str
    account_id: str = Field(description="The ledger account, as a decimal string")
    owner: str | None
    href: str


class DayOut(BaseModel):
    currency: str
    day: str
    state: Literal["open", "closing", "closed"]
    opened_at: int
    closing_at: int | None
    closed_at: int | None
    steps: dict[str, dict[str, Any]] = Field(description="End-of-day steps done, with their record")
    pending_steps: list[str]
    report: dict[str, Any] | None


class CarryIn(Strict):
    carry: StrictBool = Field(
        description="Payments still queued at the end of the day: carried to the next business "
        "day (true) or rejected with a reason (false)"
    )
