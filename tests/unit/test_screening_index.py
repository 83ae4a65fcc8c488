"""Blocking in the screening index: crowded names, runs of words, initials, transliteration;
and the search's shortcuts (scoring in C first, stopping early) against scoring every candidate."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vostro.bench.synthetic_names import NameMaker, to_cyrillic
from vostro.compliance import matching
from vostro.compliance.matching import NameIndex, normalize, score

HIT = 88.0
CROWD = 3_000  # more than the old prefix blocks allowed before skipping a block
CROWDED_LIST = 3_000  # synthetic entities: crowded enough for candidate sets in the hundreds
QUERIES = 300  # synthetic payment names searched in the comparisons below


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


def _crowded_index_and_queries(seed: int) -> tuple[NameIndex, list[str]]:
    maker = NameMaker(random.Random(seed))
    listed = [(f"e{n}", maker.any(0.5, 0.2)[0]) for n in range(CROWDED_LIST)]
    listed += [(f"e{n}", maker.respell(name, True)) for n, name in listed[:200]]  # aliases
    queries = [maker.any()[0] for _ in range(QUERIES)]
    queries += [maker.respell(name, True) for _, name in listed[200:260]]
    return NameIndex(listed), queries


def _every_candidate_scored(index: NameIndex, query: str, limit: int) -> list[tuple[float, str]]:
    """The result by scoring every candidate the index blocks in, with `score` itself."""
    form = normalize(query)
    plain = not (matching._shape(form).has_initial or matching._shape(form).has_optional)
    best: dict[str, float] = {}
    for position in index._candidates(form):
        listed = index._shapes[position]
        if (
            plain
            and matching.fuzz.token_sort_ratio(form, listed.form) < matching.PRE_SCORE_FLOOR
            and not listed.has_initial
            and (len(listed.words) > 1) == (" " in form)
        ):
            continue  # as the index does: cannot reach a hit, and is not returned
        value = score(form, listed.form)
        key = index._keys[position]
        best[key] = max(value, best.get(key, value))
    return sorted((-round(v, 1), key) for key, v in best.items())[:limit]


@pytest.mark.parametrize("limit", [1, 10])
def test_the_search_returns_what_scoring_every_candidate_would(limit: int) -> None:
    index, queries = _crowded_index_and_queries(seed=7)
    for query in queries:
        found = [(-c.score, c.key) for c in index.search(query, limit=limit)]
        assert found == _every_candidate_scored(index, query, limit), query


def test_scoring_in_arrays_agrees_with_scoring_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    index, queries = _crowded_index_and_queries(seed=11)
    one_by_one = [index.search(q) for q in queries]
    monkeypatch.setattr(matching, "FEW_CANDIDATES_MAX", 0)
    index._result_cache.clear()
    assert [index.search(q) for q in queries] == one_by_one


def test_a_listed_entity_with_several_names_comes_back_once_with_its_best() -> None:
    index = NameIndex(
        [("a", "S. Ivanov"), ("a", "Sergei Ivanovsky"), ("a", "Sergey Ivanoff")]
        + [("b", "Sergei Ivanova")]
        + [(f"x{n}", f"Sergei Ivanov{n}") for n in range(30)]
    )
    found = index.search("Sergei Ivanov", limit=3)
    assert [c.key for c in found][:1] == ["a"] and len({c.key for c in found}) == 3
    assert found[0].name == "Sergey Ivanoff" and found[0].score == 100.0
