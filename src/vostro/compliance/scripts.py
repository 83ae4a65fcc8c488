"""Romanisation of the two non-Latin scripts the corridor's names arrive in.

Generic transliteration (ICU through `normality`) is faithful to letters, not to how names are
written in Latin script: it renders `Шувалов` as `Suvalov` and `राहुल शर्मा` as `rahula sarma`.
Payments and sanctions lists romanise by convention instead, so:

* Russian Cyrillic follows the passport convention (ICAO Doc 9303, as in Russian international
  passports since 2014: `ж` zh, `х` kh, `ц` ts, `ч` ch, `ш` sh, `щ` shch, `ю` yu, `я` ya), with the
  soft and hard signs dropped;
* Devanagari follows common Hindi romanisation: the inherent vowel is written, except where Hindi
  deletes it (schwa deletion: at the end of a word unless after a conjunct, and between a vowel
  and a consonant-plus-vowel, following Ohala 1983). `राहुल शर्मा` becomes `rahul sharma`.

Other scripts are left to `normality.ascii_text`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "-",
            "y",
            "-",
            "e",
            "yu",
            "ya",
            "i",
            "yi",
            "ye",
            "g",
        ],
        strict=True,
    )
)
_CYRILLIC_WORD = re.compile(r"[\u0400-\u04ff]+")
_DEVANAGARI_WORD = re.compile(r"[\u0900-\u097f]+")

_CONSONANTS = dict(
    zip(
        "कखगघङचछजझञटठडढणतथदधनपफबभमयरलळवशषसह",
        [
            "k",
            "kh",
            "g",
            "gh",
            "n",
            "ch",
            "chh",
            "j",
            "jh",
            "n",
            "t",
            "th",
            "d",
            "dh",
            "n",
            "t",
            "th",
            "d",
            "dh",
            "n",
            "p",
            "ph",
            "b",
            "bh",
            "m",
            "y",
            "r",
            "l",
            "l",
            "v",
            "sh",
            "sh",
            "s",
            "h",
        ],
        strict=True,
    )
)
_NUKTA_FORMS = {"क": "q", "ख": "kh", "ग": "g", "ज": "z", "ड": "r", "ढ": "rh", "फ": "f"}
_VOWELS = dict(
    zip(
        "अआइईउऊऋएऐओऔऑ", ["a", "a", "i", "i", "u", "u", "ri", "e", "ai", "o", "au", "o"], strict=True
    )
)
_MATRAS = dict(
    zip("ािीुूृेैोौॉ", ["a", "i", "i", "u", "u", "ri", "e", "ai", "o", "au", "o"], strict=True)
)
_VIRAMA, _NUKTA, _ANUSVARA, _CANDRABINDU, _VISARGA = "्", "़", "ं", "ँ", "ः"
_LABIALS = frozenset("पफबभम")
_INHERENT = "a?"  # an inherent vowel not yet kept or deleted


def romanize(name: str) -> str:
    """`name` with Cyrillic and Devanagari words romanised by convention (see above)."""
    text = unicodedata.normalize("NFD", name) if _DEVANAGARI_WORD.search(name) else name
    text = _DEVANAGARI_WORD.sub(lambda m: _devanagari(m.group()), text)
    return _CYRILLIC_WORD.sub(lambda m: _cyrillic(m.group()), text)


def _cyrillic(word: str) -> str:
    lowered = unicodedata.normalize("NFC", word).lower()
    return "".join(_CYRILLIC.get(ch, ch).replace("-", "") for ch in lowered)


@dataclass
class _Syllable:
    consonant: str  # "" for an independent vowel
    vowel: str  # a vowel sign, "" after a virama, or _INHERENT
    conjunct: bool = False  # a virama joins the consonant to the next one
    nasal: str = ""  # anusvara, candrabindu or visarga, romanised


def _devanagari(word: str) -> str:
    units = _syllables(word)
    for at in range(len(units) - 1, -1, -1):  # right to left, as schwa deletion is applied
        unit = units[at]
        if unit.vowel != _INHERENT:
            continue
        before = units[at - 1] if at > 0 else None
        after = units[at + 1] if at + 1 < len(units) else None
        closes_conjunct = before is not None and before.conjunct
        if unit.nasal:
            unit.vowel = "a"
        elif after is None:  # word-final schwa goes, unless the consonant closes a conjunct
            unit.vowel = "a" if closes_conjunct else ""
        elif before is not None and before.vowel and after.consonant and after.vowel:
            unit.vowel = ""  # V C _ C V: the medial schwa is not pronounced
        else:
            unit.vowel = "a"
    return "".join(u.consonant + u.vowel + u.nasal for u in units)


def _syllables(word: str) -> list[_Syllable]:
    units: list[_Syllable] = []
    for at, ch in enumerate(word):
        following = word[at + 1] if at + 1 < len(word) else ""
        if ch in _CONSONANTS:
            roman = (
                _NUKTA_FORMS.get(ch, _CONSONANTS[ch]) if following == _NUKTA else _CONSONANTS[ch]
            )
            units.append(_Syllable(roman, _INHERENT))
        elif ch in _VOWELS:
            units.append(_Syllable("", _VOWELS[ch]))
        elif ch in _MATRAS and units:
            units[-1].vowel = _MATRAS[ch]
        elif ch == _VIRAMA and units:
            units[-1].vowel, units[-1].conjunct = "", True
        elif ch in (_ANUSVARA, _CANDRABINDU) and units:
            nasal = "m" if following in _LABIALS else "ng" if following in ("ह", "") else "n"
            units[-1].nasal += nasal
        elif ch == _VISARGA and units:
            units[-1].nasal += "h"
    return units
