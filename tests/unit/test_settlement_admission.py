"""Admission into a deferred-net window and the operator's rules, on in-memory repositories."""

from __future__ import annotations

import pytest

from tests.fakes import FakeStore, FakeUnitOfWork
from vostro.errors import UnknownCurrency
from vostro.ledger.writer import Ledger
from vostro.settlement.admission import AdmissionRefused, admit
from vostro.settlement.obligations import Obligation
from vostro.settlement.rules import Mode, RuleError, SettlementRules
from vostro.settlement.windows import WindowPayment

INR = "INR"
SBI, UCO, SBER = "SBININBB", "UCBAINBB", "SABRRUMM"


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(Ledger(FakeStore()))


def owe(n: int, payer: str, payee: str, amount: int, fee: int = 0) -> Obligation:
    return Obligation(f"uetr-{n}", payer, payee, INR, amount, fee, n << 16, 0)


def test_an_obligation_within_its_cap_joins_the_open_window_and_says_where(uow) -> None:
    uow.rules.store_net_debit_cap(SBI, INR, 500_00)
    note = admit(uow, owe(1, SBI, UCO, 400_00, fee=1_00), 7)
    assert note == "accepted into INR settlement window 1; net debit now 40100 of cap 50000"
    assert uow.windows.payments(1) == [WindowPayment("uetr-1", SBI, UCO, 400_00, 1_00)]
    window = uow.windows.get(1)
    assert window is not None and window.opened_at == 7


def test_what_the_payer_receives_in_the_window_lowers_its_net_debit(uow) -> None:
    for bic in (SBI, UCO):
        uow.rules.store_net_debit_cap(bic, INR, 500_00)
    admit(uow, owe(1, SBI, UCO, 400_00), 0)
    admit(uow, owe(2, UCO, SBI, 300_00), 0)
    note = admit(uow, owe(3, SBI, UCO, 350_00), 0)
    assert note == "accepted into INR settlement window 1; net debit now 45000 of cap 50000"


def test_an_obligation_over_the_net_debit_cap_fee_included_is_refused(uow) -> None:
    uow.rules.store_net_debit_cap(SBI, INR, 500_00)
    with pytest.raises(AdmissionRefused) as refused:
        admit(uow, owe(1, SBI, SBER, 500_00, fee=1), 0)
    assert str(refused.value) == (
        "it would take SBININBB's net debit in window 1 to 50001 minor units of INR, "
        "over its net debit cap of 50000"
    )
    assert uow.windows.payments(1) == []


def test_without_a_cap_a_participant_may_owe_nothing_net(uow) -> None:
    with pytest.raises(AdmissionRefused, match="over its net debit cap of 0"):
        admit(uow, owe(1, SBI, SBER, 1), 0)


def test_an_obligation_over_the_bilateral_limit_is_refused_even_within_the_cap(uow) -> None:
    uow.rules.store_net_debit_cap(SBI, INR, 1_000_00)
    uow.rules.store_bilateral_limit(SBI, UCO, INR, 300_00)
    admit(uow, owe(1, SBI, UCO, 200_00), 0)
    with pytest.raises(AdmissionRefused) as refused:
        admit(uow, owe(2, SBI, UCO, 150_00), 0)
    assert str(refused.value) == (
        "it would take what SBININBB owes UCBAINBB to 35000, over their bilateral limit of 30000"
    )
    admit(uow, owe(3, SBI, SBER, 150_00), 0)  # the limit is towards UCO only
    assert [m.uetr for m in uow.windows.payments(1)] == ["uetr-1", "uetr-3"]


def test_each_rule_change_is_audited_in_the_unit(uow) -> None:
    rules = SettlementRules()
    rules.set_mode(uow, SBI, INR, "dns", actor="ops")
    rules.set_net_debit_cap(uow, SBI, INR, 500_00, actor="ops")
    rules.set_bilateral_limit(uow, SBI, UCO, INR, 300_00, actor="ops")
    assert rules.mode(uow, SBI, INR) is Mode.DNS and rules.mode(uow, UCO, INR) is Mode.RTGS
    assert rules.net_debit_cap(uow, SBI, INR) == 500_00
    assert rules.bilateral_limit(uow, SBI, UCO, INR) == 300_00
    assert rules.bilateral_limit(uow, UCO, SBI, INR) is None
    logged = [(e.action, e.subject, e.detail) for _, e in uow.audit.logged]
    assert logged == [
        ("settlement.mode", SBI, {"currency": INR, "values": {"mode": "dns"}}),
        ("settlement.net_debit_cap", SBI, {"currency": INR, "values": {"cap_minor": 500_00}}),
        (
            "settlement.bilateral_limit",
            SBI,
            {"counterparty": UCO, "currency": INR, "limit_minor": 300_00},
        ),
    ]


def test_a_rule_that_cannot_hold_is_refused_and_not_audited(uow) -> None:
    rules = SettlementRules()
    with pytest.raises(RuleError):
        rules.set_net_debit_cap(uow, SBI, INR, -1, actor="ops")
    with pytest.raises(RuleError):
        rules.set_bilateral_limit(uow, SBI, UCO, INR, -1, actor="ops")
    with pytest.raises(UnknownCurrency):
        rules.set_mode(uow, SBI, "XYZ", Mode.DNS, actor="ops")
    with pytest.raises(ValueError):
        rules.set_mode(uow, SBI, INR, "gross", actor="ops")
    assert uow.audit.logged == [] and uow.rules.modes == {}
