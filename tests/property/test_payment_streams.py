"""Random payment streams: money is conserved per currency, and every fee and FX margin recorded
on a payment is exactly what the operator and the FX provider earned in the ledger."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.corridor import FXP, SBER, SBI, UCO, VTB, build, uetr
from tests.fakes import Clock
from vostro.fx.errors import FxError
from vostro.money import currency
from vostro.participants.model import AccountKind
from vostro.payments.model import PaymentRequest, State
from vostro.store import open_store
from vostro.store.verify import verify

FUNDED = {
    (SBI, "INR"): 10_000_000_00,
    (UCO, "INR"): 10_000_000_00,
    (VTB, "RUB"): 10_000_000_00,
    (FXP, "INR"): 5_000_000_00,
    (FXP, "RUB"): 5_000_000_00,
}
ROUTES = [
    (SBI, SBER, "INR", None),
    (SBER, UCO, "INR", None),
    (UCO, SBER, "INR", None),
    (VTB, SBI, "RUB", "INR"),
    (VTB, UCO, "RUB", "INR"),
    (SBI, VTB, "INR", "RUB"),
]

payments = st.lists(
    st.tuples(st.sampled_from(ROUTES), st.integers(min_value=1, max_value=3_000_000_00)),
    min_size=1,
    max_size=10,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(stream=payments)
def test_payment_streams_conserve_money_and_account_for_every_fee_and_margin(
    tmp_path_factory, stream
):
    folder: Path = tmp_path_factory.mktemp("stream")
    store = open_store(f"sqlite:///{folder / 'l.db'}")
    clock = Clock()
    c = build(store, clock)
    for (bic, code), amount in FUNDED.items():
        c.fund(bic, amount, code)
    settled = []
    for (payer, payee, source, target), amount in stream:
        quote_id = None
        if target is not None:
            try:
                quote_id = c.desk.quote(FXP, payer, source, target, amount, clock()).id
            except FxError:
                continue  # e.g. too small to convert into one minor unit: no quote, no payment
        p = c.payments.submit(
            PaymentRequest(
                uetr=uetr(),
                end_to_end_id=f"E{c.transfer_id()}",
                debtor_agent=payer,
                creditor_agent=payee,
                amount_minor=amount,
                currency=source,
                target_currency=target,
                quote_id=quote_id,
            )
        )
        assert p.state in (State.SETTLED, State.REJECTED, State.QUEUED)
        if p.state is State.SETTLED:
            settled.append(p)
        clock.advance(1)
    operator = c.registry.operator()
    for code in ("INR", "RUB"):
        # Conservation: what participants hold is exactly what was funded into them.
        holdings = sum(
            c.registry.balance(bic, code)
            for bic in (SBI, UCO, SBER, VTB, FXP)
            if c.registry.get(bic).settles_in(code)
        )
        fees = store.get_accounts([operator.account(AccountKind.FEE, code)])[0].balance_posted
        funded = sum(v for (_, k), v in FUNDED.items() if k == code)
        assert holdings + fees == funded
        assert fees == sum(p.fee_minor for p in settled if p.source_currency == code)
    # The FX provider earned exactly the recorded margins, valued at each quote's reference.
    for p in settled:
        if not p.cross_currency:
            continue
        paid_in, paid_out = store.get_transfers([p.payment_id | 0x11, p.payment_id | 0x12])
        scale = Decimal(10) ** (
            currency(p.target_currency).exponent - currency(p.source_currency).exponent
        )
        at_reference = int(
            (paid_in.amount * Decimal(p.reference_rate) * scale).to_integral_value(
                rounding=ROUND_FLOOR
            )
        )
        assert at_reference - paid_out.amount == p.fx_margin_minor >= 0
    assert verify(store).ok
    c.ledger.close()
    store.dispose()
