"""The calibrated payment stream of the demonstration corridor (`vostro serve --demo`).

Corridor days (`sim.segments.generate_day`, seed 1, 2, 3...) one after the other, each payment
dressed as a bank would send it: the sending bank, the parties' names (Indian and Russian firms
for trade; a migrant worker and the family at home for a remittance) and the segment's tag.
Migrant remittances go as RUB→INR payments on a firm quote from one of the two FX providers
(payment-versus-payment), the roubles worked out from the rupees at the corridor's mid rate.
One payment in `HOLD_EVERY` names a listed party in Cyrillic, so screening holds appear.

Only the payments are generated here; sending them (through the API, each with its bank's key)
is the service's part (`service.demo`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

from vostro.sim.corridor import FX_PROVIDER, FX_PROVIDERS, INDIAN, LISTED_IN_CYRILLIC, RUSSIAN
from vostro.sim.segments import DayPayment, generate_day, segment_tag

HOLD_EVERY = 150  # one payment in this many names a listed party
INDIAN_FIRMS = (
    "Indian Oil Corporation Ltd",
    "Bharat Petroleum Corporation Ltd",
    "Nayara Energy Ltd",
    "Indian Farmers Fertiliser Cooperative",
    "Chambal Fertilisers and Chemicals Ltd",
    "Sun Pharmaceutical Industries Ltd",
    "Tata Steel Ltd",
    "Mahindra and Mahindra Ltd",
)
RUSSIAN_FIRMS = (
    "OOO Severnaya Neft Trading",
    "AO Uralskie Udobreniya",
    "OOO Volga Agro Export",
    "PAO Sibirskiy Metall",
    "OOO Baltic Chemicals",
    "AO Kama Machinery",
)
WORKERS = ("Rahul Sharma", "Sandeep Kumar", "Mohammed Arif", "Gurpreet Singh", "Anil Yadav")
FAMILIES = ("Sunita Sharma", "Priya Kumari", "Shabana Arif", "Harjit Kaur", "Meena Yadav")


@dataclass(frozen=True, slots=True)
class StreamPayment:
    """One payment of the stream, as its sending bank submits it."""

    sender: str  # the debtor agent, whose key sends it
    uetr: str
    end_to_end_id: str
    creditor_agent: str
    segment: str  # the segment's short tag
    amount_minor: int
    currency: str
    flow: str
    debtor_name: str
    creditor_name: str
    target_currency: str | None = None
    quote_provider: str | None = None  # a remittance: the FX provider to ask for a firm quote


def stream(data_dir: Path, inr_per_rub: Decimal) -> Iterator[StreamPayment]:
    """Corridor day after corridor day, without end."""
    seed = 1
    while True:
        for n, p in enumerate(generate_day(data_dir, seed=seed)):
            yield stream_payment(p, seed, n, inr_per_rub)
        seed += 1


def stream_payment(p: DayPayment, seed: int, n: int, inr_per_rub: Decimal) -> StreamPayment:
    """The `n`th payment of day `seed`, dressed: a remittance in roubles when the day's payment
    comes from the FX provider, else a rupee trade payment between firms."""
    reference = f"D{seed}-{n}"
    if p.payer == FX_PROVIDER:
        payment = _remittance(p, n, reference, inr_per_rub)
    else:
        payment = _trade(p, n, reference)
    if n % HOLD_EVERY == HOLD_EVERY - 1:  # a listed party, written in Cyrillic
        payment = replace(payment, creditor_name=LISTED_IN_CYRILLIC[n // HOLD_EVERY % 2])
    return payment


def _remittance(p: DayPayment, n: int, reference: str, inr_per_rub: Decimal) -> StreamPayment:
    """A migrant's remittance: roubles from a Russian bank, rupees to the Indian bank."""
    rub_minor = int((Decimal(p.amount_minor) / inr_per_rub).quantize(Decimal(1), ROUND_HALF_EVEN))
    return StreamPayment(
        sender=RUSSIAN[n % len(RUSSIAN)],
        uetr=str(uuid.uuid4()),
        end_to_end_id=reference,
        creditor_agent=p.payee,
        segment=segment_tag(p.segment),
        amount_minor=rub_minor,
        currency="RUB",
        flow="remittance",
        debtor_name=WORKERS[n % len(WORKERS)],
        creditor_name=FAMILIES[n % len(FAMILIES)],
        target_currency="INR",
        quote_provider=FX_PROVIDERS[n % len(FX_PROVIDERS)],
    )


def _trade(p: DayPayment, n: int, reference: str) -> StreamPayment:
    debtors, creditors = (
        (INDIAN_FIRMS, RUSSIAN_FIRMS) if p.payer in INDIAN else (RUSSIAN_FIRMS, INDIAN_FIRMS)
    )
    return StreamPayment(
        sender=p.payer,
        uetr=str(uuid.uuid4()),
        end_to_end_id=reference,
        creditor_agent=p.payee,
        segment=segment_tag(p.segment),
        amount_minor=p.amount_minor,
        currency="INR",
        flow="trade",
        debtor_name=debtors[n % len(debtors)],
        creditor_name=creditors[(n // 3) % len(creditors)],
    )
