"""Cross-script, cross-spelling name matching for screening."""

from __future__ import annotations

import pytest

from vostro.compliance.matching import NameIndex, normalize, score

HIT = 88.0  # the default hit threshold these tests assume


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Газпромбанк", "Gazprombank"),
        ("Сергей Иванов", "Sergei Ivanov"),
        ("Сергей Иванов", "Sergey Ivanov"),
        ("Sergej Ivanov", "Sergei Ivanov"),
        ("Ivanov Sergei", "Sergei Ivanov"),
        ("S. Ivanov", "Sergei Ivanov"),
        ('ООО "Ромашка"', "Romashka LLC"),
        ("PJSC Gazprombank", "Gazprombank"),
        ("Acme Traders Pvt Ltd", "ACME TRADERS PRIVATE LIMITED"),
        ("Alexander Khodorkovsky", "Aleksandr Hodorkovskij"),
    ],
)
def test_the_same_name_across_scripts_and_spellings_matches(a: str, b: str) -> None:
    assert score(normalize(a), normalize(b)) >= HIT, (normalize(a), normalize(b))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Sergei Ivanov", "Sergei Petrov"),
        ("Anna Ivanova", "Sergei Ivanov"),
        ("Gazprombank", "Sberbank"),
        ("Ravi Kumar", "Ravi Shankar"),
    ],
)
def test_near_misses_stay_below_the_threshold(a: str, b: str) -> None:
    assert score(normalize(a), normalize(b)) < HIT


def test_the_index_finds_a_cyrillic_name_listed_in_latin_among_many() -> None:
    index = NameIndex(
        [("e1", "Gazprombank"), ("e2", "Sberbank"), ("e3", "Sergei Ivanov")]
        + [(f"x{i}", f"Company Number {i}") for i in range(2000)]
    )
    found = index.search("Газпромбанк", threshold=HIT)
    assert [c.key for c in found] == ["e1"]
    assert index.search("Ravi Kumar", threshold=HIT) == []


FTM = (
    __import__("pathlib").Path(__file__).parents[1] / "fixtures" / "sanctions" / "entities.ftm.json"
)


def test_followthemoney_list_loads_names_aliases_and_identifiers() -> None:
    from vostro.compliance.lists import load_ftm, screen_name

    screening = load_ftm(FTM)
    assert len(screening.entities) == 3 and len(screening.version) == 16
    (cyrillic,) = [m for m in screen_name(screening, "ПАО Газпромбанк") if m.hit]
    assert cyrillic.entity_id == "ofac-gpb"
    by_inn = screen_name(screening, "Some Other Name", identifiers=["7744001497"])
    assert by_inn[0].hit and by_inn[0].entity_id == "ofac-gpb" and "identifier" in by_inn[0].reason
    assert not any(m.hit for m in screen_name(screening, "Sergei Petrov"))


def test_vostro_screen_prints_json_matches() -> None:
    import json

    from tests.e2e.test_cli import vostro

    result = vostro("screen", "Сергей Иванов", "--list", str(FTM), "--json")
    assert result.returncode == 0, result.stderr
    matches = json.loads(result.stdout)["matches"]
    assert matches[0]["entity_id"] == "eu-ivanov" and matches[0]["hit"] is True
    assert {"entity_id", "name", "score", "hit"} <= set(matches[0])
