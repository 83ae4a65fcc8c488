"""Blocking in the screening index: crowded names, runs of words, initials, transliteration."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vostro.bench.synthetic_names import to_cyrillic
from vostro.compliance.matching import NameIndex, normalize, score

HIT = 88.0
CROWD = 3_000  # more than the old prefix blocks allowed before skipping a block


def test_a_true_match_in_a_crowded_block_is_still_found() -> None:
    crowd = [
        (f"i{n}", f"Ivan{'ov' if n % 2 else 'ova'} {g}{n}") for n, g in enumerate("ab" * CROWD)
    ]
    sergeis = [(f"s{n}", f"Sergei Petrov{n}") for n in range(CROWD)]
    index = NameIndex([*crowd, *sergeis, ("target", "Sergei Ivanov")])
    found = index.search("Сергей Иванов", threshold=HIT)
    assert [c.key for c in found] == ["target"]
    assert index.search("Ivanov Sergey", threshold=HIT)[0].key == "target"


def test_names_written_with_and_without_a_space_find_each_other() -> None:
    index = NameIndex([("gpb", "Gazprombank"), ("psb", "Promsvyaz Bank")])
    assert index.search("Gazprom Bank", threshold=HIT)[0].key == "gpb"
    assert index.search("Promsvyazbank", threshold=HIT)[0].key == "psb"


def test_an_initial_narrows_a_crowded_surname_to_its_given_names() -> None:
    index = NameIndex([(f"k{n}", f"{g} Kumar") for n, g in enumerate(["Amit", "Ravi", "Sunil"])])
    assert [c.key for c in index.search("A. Kumar", threshold=HIT)] == ["k0"]


def test_a_patronymic_given_only_in_the_payment_does_not_hide_the_listed_name() -> None:
    index = NameIndex([("d", "Oleg Deripaska"), ("x", "Oleg Vladimirovich Petrov")])
    assert index.search("Oleg Vladimirovich Deripaska", threshold=HIT)[0].key == "d"


def test_a_reload_adds_names_that_the_next_search_sees() -> None:
    index = NameIndex([("a", "Sberbank")])
    assert index.search("Sovcombank", threshold=HIT) == []
    index.add("b", "Sovcombank")
    assert index.search("Sovcombank", threshold=HIT)[0].key == "b"


_RUSSIAN = st.sampled_from(
    ["Sergei", "Olga", "Dmitry", "Natalia", "Yuri", "Pavel", "Ivan", "Zhanna", "Fedor"]
)
_SURNAMES = st.sampled_from(
    ["Ivanov", "Shcherbakova", "Kuznetsov", "Zhukov", "Tsvetkova", "Chernov", "Yakovlev"]
)


@settings(max_examples=60, deadline=None)
@given(_RUSSIAN, _SURNAMES)
def test_a_name_matches_itself_and_its_cyrillic_spelling(given_name: str, surname: str) -> None:
    name = f"{given_name} {surname}"
    assert score(normalize(name), normalize(name)) == 100.0
    assert score(normalize(to_cyrillic(name)), normalize(name)) >= HIT, to_cyrillic(name)
