"""Name matching across scripts and spellings, for sanctions screening.

A name is compared in a normal form:
1. transliterated to ASCII (`normality`, the library FollowTheMoney uses: `Газпромбанк` →
   `gazprombank`, `Сергей` → `sergej`, Devanagari too);
2. lower-cased, punctuation removed, legal-form words dropped (`OOO`, `AO`, `PJSC`, `Pvt Ltd`...);
3. spelling variants of romanised Russian folded to one form (`sergej`, `sergei` and `sergey` all
   become `sergei`; `kh`/`h`, `ts`/`tz`, `ya`/`ia`, `yu`/`iu`), since lists and payments romanise
   the same name differently.

Two normal forms score 0–100 with rapidfuzz: the best of token-sort (word order does not matter)
and a comparison that accepts an initial for a given name (`S. Ivanov` ~ `Sergei Ivanov`).
Identifiers (BIC, INN, registration numbers) match exactly or not at all.

`NameIndex` blocks before scoring: each list name is filed under the first four letters of each of
its words, and a queried name is scored only against names sharing such a key, not all of them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from normality import ascii_text
from rapidfuzz import fuzz, process

LEGAL_FORMS = frozenset(
    {
        "ooo",
        "oao",
        "zao",
        "pao",
        "ao",
        "pjsc",
        "ojsc",
        "cjsc",
        "jsc",
        "llc",
        "ltd",
        "limited",
        "pvt",
        "private",
        "plc",
        "inc",
        "corp",
        "co",
        "gmbh",
        "sa",
        "ag",
        "llp",
        "ip",
    }
)
BLOCK_KEY_CHARS = 4  # words sharing their first four letters land in the same block
BLOCK_CROWDED = 2_000  # a block this large (a common given name) is skipped for a rarer one
PRE_RANKED_MAX = 25  # candidates fully scored after rapidfuzz's pre-ranking in C
_SPELLINGS = [  # romanised Russian: one form for the common variants (order matters)
    (re.compile(r"(ej|ey|ei|iy|yi|ij)\b"), "ei"),
    (re.compile(r"kh"), "h"),
    (re.compile(r"tz"), "ts"),
    (re.compile(r"\by([aeiou])"), r"i\1"),
    (re.compile(r"ya"), "ia"),
    (re.compile(r"yu"), "iu"),
    (re.compile(r"yo"), "io"),
    (re.compile(r"ye"), "e"),
    (re.compile(r"(ck|q)"), "k"),
    (re.compile(r"w"), "v"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"(.)\1"), r"\1"),  # doubled letters: Aleksandr / Alexandr / Aleksanndr
    (re.compile(r"x"), "ks"),
]


def normalize(name: str) -> str:
    """The comparable form of a name (see the module docstring)."""
    text = (ascii_text(name) or "").lower()
    words = [w for w in re.split(r"[^a-z0-9]+", text) if w and w not in LEGAL_FORMS]
    return " ".join(_fold(word) for word in words)


def _fold(word: str) -> str:
    for pattern, replacement in _SPELLINGS:
        word = pattern.sub(replacement, word)
    return word


def score(query: str, candidate: str) -> float:
    """0–100 similarity of two normal forms."""
    if not query or not candidate:
        return 0.0
    best = fuzz.token_sort_ratio(query, candidate)
    return max(best, _initials_score(query, candidate), _initials_score(candidate, query))


def _initials_score(short: str, full: str) -> float:
    """`s ivanov` against `sergei ivanov`: an initial may stand for a given name."""
    short_words, full_words = short.split(), full.split()
    if len(short_words) != len(full_words) or not any(len(w) == 1 for w in short_words):
        return 0.0
    expanded = [
        f if len(s) == 1 and f.startswith(s) else s
        for s, f in zip(sorted(short_words, key=len), sorted(full_words, key=len), strict=True)
    ]
    return float(fuzz.token_sort_ratio(" ".join(expanded), full)) * 0.95


@dataclass(frozen=True, slots=True)
class Candidate:
    key: str  # the list entry's id
    name: str  # the list name that matched, as listed
    score: float


class NameIndex:
    """List names blocked by word prefix, for scoring only the plausible ones."""

    def __init__(self, names: Iterable[tuple[str, str]] = ()) -> None:
        self._names: list[tuple[str, str, str]] = []  # (key, listed name, normal form)
        self._blocks: dict[str, list[int]] = defaultdict(list)
        for key, name in names:
            self.add(key, name)

    def add(self, key: str, name: str) -> None:
        form = normalize(name)
        if not form:
            return
        position = len(self._names)
        self._names.append((key, name, form))
        for block in {w[:BLOCK_KEY_CHARS] for w in form.split() if len(w) > 1}:
            self._blocks[block].append(position)

    def __len__(self) -> int:
        return len(self._names)

    def search(self, name: str, threshold: float = 0.0, limit: int = 10) -> list[Candidate]:
        """The best-scoring list entries for `name`, one per key, at or above `threshold`.

        Candidates come from the blocks of the query's words; when a word's block is crowded (a
        common given name) and a rarer word has a block of its own, only the rarer blocks are
        used. Candidates are pre-ranked in C by rapidfuzz and only the best are fully scored.
        """
        form = normalize(name)
        blocks = sorted(
            (self._blocks.get(w[:BLOCK_KEY_CHARS], []) for w in set(form.split()) if len(w) > 1),
            key=len,
        )
        if not blocks:
            return []
        chosen = [b for b in blocks if len(b) <= BLOCK_CROWDED] or blocks[:1]
        positions = sorted({p for block in chosen for p in block})
        forms = [self._names[p][2] for p in positions]
        ranked = process.extract(form, forms, scorer=fuzz.token_sort_ratio, limit=PRE_RANKED_MAX)
        best: dict[str, Candidate] = {}
        for _, _, at in ranked:
            key, listed, other = self._names[positions[at]]
            value = score(form, other)
            if value >= threshold and (key not in best or value > best[key].score):
                best[key] = Candidate(key, listed, round(value, 1))
        return sorted(best.values(), key=lambda c: (-c.score, c.key))[:limit]
