"""Name matching across scripts and spellings, for sanctions screening.

A name is compared in a normal form:
1. romanised: Russian Cyrillic and Devanagari by the conventions names are written in
   (`compliance/scripts.py`: `Шувалов` → `shuvalov`, `राहुल शर्मा` → `rahul sharma`), any other
   script by `normality` (the transliteration FollowTheMoney uses);
2. lower-cased, punctuation removed, legal forms dropped (`OOO`, `PJSC`, `Pvt Ltd`, `Limited
   Liability Company`...), and honorifics (`Mr`, `Shri`, `Smt`) and `and`/`of`/`the` with them;
3. each word folded to one spelling of its sound, since lists and payments romanise the same name
   differently: `sergej`/`sergey`/`sergei` → `sergei`, `khodorkovskiy`/`hodorkovsky` →
   `hodorkovski`, `shcherbakov`/`scherbakov` → `serbakov`, `pooja`/`puja` → `puja`;
4. known given names written as one spelling of each (`compliance/given_names.py`).

Two normal forms score 0–100 with rapidfuzz: the best of token-sort (word order does not matter),
the words run together (`Gazprom Bank` ~ `Gazprombank`), initials standing for given names
(`S. B. Ivanov` ~ `Sergei Borisovich Ivanov`) and a patronymic that only one side gives. Some
differences are a different person however few letters they change, and cap the score below any
sensible threshold: two different known given names (`Rajesh`/`Rakesh`), two different
patronymics, or a surname extended into another (`Kozlov`/`Kozlovsky`).

`NameIndex` blocks before scoring, so a query is never scored against the whole list. The list's
distinct words form a vocabulary; a query word is looked up in it (fuzzily, among the words that
share its first letter or its first two consonants, ranked in C by rapidfuzz) and stands for the
list names containing any similar word. Candidates are the names that have every word of the
query in this sense: intersecting the sets of a crowded given name and a crowded surname leaves
the few names with both. Word lookups are cached, since payments repeat the same words.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from normality import ascii_text
from rapidfuzz import fuzz, process

from vostro.compliance import given_names
from vostro.compliance.scripts import romanize

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
LEGAL_PHRASES = re.compile(  # spelled-out legal forms, English and romanised Russian
    r"\b(?:(?:open|closed|public|non[ -]?public) )?joint[ -]stock company\b"
    r"|\blimited liability (?:company|partnership)\b|\b(?:private|public) limited company\b"
    r"|\b(?:publichnoe |otkrytoe |zakrytoe |nepublichnoe )?aktsionernoe obshchestvo\b"
    r"|\bobshchestvo s ogranichennoy otvetstvennostyu\b"
)
IGNORED_WORDS = frozenset({"mr", "mrs", "ms", "dr", "shri", "shrimati", "smt", "and", "of", "the"})
TOKEN_SIMILAR_MIN = 65.0  # a query word stands for list words at least this similar (fuzz.ratio)
SCORED_MAX = 64  # candidates scored in full; larger candidate sets are pre-ranked in C first
WORD_CACHE_MAX = 50_000  # cached word lookups per index before the cache starts again
RESULT_CACHE_MAX = 50_000  # cached searches per index (payments repeat their parties' names)
PRE_SCORE_FLOOR = 50.0  # token-sort (in C) below which a plain candidate is not even returned
DIFFERENT_PERSON_SCORE_MAX = 70.0  # the cap when the names are of different people (see above)
DERIVED_SURNAME_LETTERS_MIN = 3  # Kozlov + sky: a longer extension makes another surname
CONSONANT_CHANGE_PENALTY = 10.0  # per word whose consonants differ from its closest counterpart
CONSONANT_CHANGE_WORD_MIN = 4  # letters; shorter words (Rao / Rav) are left to the score
CONSONANT_CHANGE_SIMILAR_MIN = 75.0  # fuzz.ratio at which two words are taken as counterparts
OPTIONAL_MIDDLE_NAMES = frozenset({"kumar", "prasad", "lal", "cand", "nat"})  # folded forms
_SPELLINGS = [  # one spelling of each sound (order matters; see the module docstring)
    (re.compile(r"shch|sch"), "s"),
    (re.compile(r"tch"), "c"),
    (re.compile(r"c(?![eihy])"), "k"),  # a Latin c that sounds k: Sovcombank / Sovkombank
    (re.compile(r"ch"), "c"),
    (re.compile(r"sh"), "s"),
    (re.compile(r"zh"), "z"),
    (re.compile(r"kh"), "h"),
    (re.compile(r"ts|tz"), "c"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"([bdgt])h"), r"\1"),  # Hindi aspirates: Saurabh / Saurab, Murthy / Murti
    (re.compile(r"([aeiou])j(?![aeiou])"), r"\1i"),  # German-style й: Sergej, Nikolaj
    (re.compile(r"y"), "i"),
    (re.compile(r"ee"), "i"),
    (re.compile(r"oo"), "u"),
    (re.compile(r"w"), "v"),
    (re.compile(r"q"), "k"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"(?<=[^aeiou])io"), "e"),  # ё: Pyotr / Petr, Fyodorov / Fedorov
    (re.compile(r"(.)\1"), r"\1"),  # doubled letters: Aleksandr / Aleksanndr, Dmitrii / Dmitri
    (re.compile(r"^ie"), "e"),  # Yelena / Elena, Yevgeny / Evgeny
    (re.compile(r"(?<=[oe])f$"), "v"),  # French-style -ов, -ев: Tinkoff / Tinkov
]
_PATRONYMIC = re.compile(
    r"^\w{3,}(?:ovic|evic|ivic|ovna|evna|ivna|inicna)$"
)  # folded: Sergeevich → sergivic


def _fold(word: str) -> str:
    for pattern, replacement in _SPELLINGS:
        word = pattern.sub(replacement, word)
    return word


_GIVEN_NAMES = {_fold(v): _fold(group[0]) for group in given_names.groups() for v in group}
KNOWN_GIVEN_NAMES = frozenset(_GIVEN_NAMES.values())


@functools.lru_cache(maxsize=1 << 17)
def _word(word: str) -> str:
    folded = _fold(word)
    return _GIVEN_NAMES.get(folded, folded)


@functools.lru_cache(maxsize=1 << 16)
def normalize(name: str) -> str:
    """The comparable form of a name (see the module docstring)."""
    text = (ascii_text(romanize(name)) or "").lower().replace("'", "")
    text = LEGAL_PHRASES.sub(" ", text)
    words = re.split(r"[^a-z0-9]+", text)
    return " ".join(
        _word(w) for w in words if w and w not in LEGAL_FORMS and w not in IGNORED_WORDS
    )


def is_patronymic(word: str) -> bool:
    """A folded word shaped like a Russian patronymic (Borisovich, Viktorovna)."""
    return _PATRONYMIC.match(word) is not None


@dataclass(frozen=True, slots=True)
class _Shape:
    """What scoring needs of a normal form, worked out once per form."""

    words: list[str]
    joined: str  # the words run together
    has_initial: bool
    has_optional: bool  # a patronymic or an optional middle name


@functools.lru_cache(maxsize=1 << 17)
def _shape(form: str) -> _Shape:
    words = form.split()
    return _Shape(
        words,
        "".join(words),
        any(len(w) == 1 for w in words),
        any(_optional(w, at, len(words)) for at, w in enumerate(words)),
    )


def score(query: str, candidate: str) -> float:
    """0–100 similarity of two normal forms."""
    if not query or not candidate:
        return 0.0
    q, c = _shape(query), _shape(candidate)
    best = max(fuzz.token_sort_ratio(query, candidate), fuzz.ratio(q.joined, c.joined))
    q_words, c_words = q.words, c.words
    if q.has_initial or c.has_initial:
        best = max(best, _initials_score(q_words, c_words), _initials_score(c_words, q_words))
    if q.has_optional != c.has_optional or (q.has_optional and len(q_words) != len(c_words)):
        best = max(best, _without_patronymic_score(q_words, c_words))
    if best < DIFFERENT_PERSON_SCORE_MAX:
        return float(best)
    if _different_people(q_words, c_words):
        return DIFFERENT_PERSON_SCORE_MAX
    return max(0.0, best - CONSONANT_CHANGE_PENALTY * _consonant_changes(q_words, c_words))


_SOUND_CLASSES = str.maketrans("bfpvcgjkqsxzdtlmnr", "111122222222334556", "aeiouhwy")


def _skeleton(word: str) -> str:
    """A word's consonants by Soundex class (Russell and Odell's six groups), so that `j` for ж
    in French style (Prigojin) equals `z`; its first letter as written."""
    return word[0] + word[1:].translate(_SOUND_CLASSES)


def _consonant_changes(q_words: list[str], c_words: list[str]) -> int:
    """Words whose closest counterpart on the other side has other consonants.

    After folding, romanisations of one name differ in vowels (Vasilyev / Vasiliev, Sobchak /
    Sobchack), while a changed consonant is usually another name (Ivanov / Ivankov, Fedorov /
    Fedotov, Rotenberg / Rosenberg). The cost: a typo that changes a consonant scores lower.
    """
    only_c = [w for w in c_words if w not in q_words]
    changes = 0
    for word in (w for w in q_words if w not in c_words):
        if len(word) < CONSONANT_CHANGE_WORD_MIN or not only_c:
            continue
        closest = max(only_c, key=lambda c: fuzz.ratio(word, c))
        if (
            len(closest) >= CONSONANT_CHANGE_WORD_MIN
            and fuzz.ratio(word, closest) >= CONSONANT_CHANGE_SIMILAR_MIN
            and _skeleton(word) != _skeleton(closest)
        ):
            changes += 1
    return changes


def _initials_score(short: list[str], full: list[str]) -> float:
    """`s b ivanov` against `sergei borisovich ivanov`: initials may stand for names."""
    if not any(len(w) == 1 for w in short):
        return 0.0
    remaining = list(full)
    for word in (w for w in short if len(w) > 1):
        if remaining:
            closest = max(remaining, key=lambda f: fuzz.ratio(word, f))
            remaining.remove(closest)
    expanded = []
    for word in short:
        stands_for = next((f for f in remaining if len(word) == 1 and f[0] == word), None)
        if stands_for is not None:
            remaining.remove(stands_for)
        expanded.append(stands_for or word)
    return float(fuzz.token_sort_ratio(" ".join(expanded), " ".join(full))) * 0.95


def _without_patronymic_score(q_words: list[str], c_words: list[str]) -> float:
    """`Oleg Deripaska` against `Oleg Vladimirovich Deripaska`: only one side gives it. An Indian
    middle name often left out (`Rahul Kumar Sharma`) counts as one."""
    q_bare = [w for at, w in enumerate(q_words) if not _optional(w, at, len(q_words))]
    c_bare = [w for at, w in enumerate(c_words) if not _optional(w, at, len(c_words))]
    if (len(q_bare) == len(q_words)) == (len(c_bare) == len(c_words)):
        return 0.0  # neither or both give a patronymic
    if len(q_bare) < 2 or len(c_bare) < 2:
        return 0.0  # `Roman Abramovich` is not `Roman`
    return float(fuzz.token_sort_ratio(" ".join(q_bare), " ".join(c_bare))) * 0.95


def _optional(word: str, at: int, words: int) -> bool:
    return is_patronymic(word) or (0 < at < words - 1 and word in OPTIONAL_MIDDLE_NAMES)


def _different_people(q_words: list[str], c_words: list[str]) -> bool:
    q_set, c_set = set(q_words), set(c_words)
    only_q, only_c = q_set - c_set, c_set - q_set
    if only_q & KNOWN_GIVEN_NAMES and only_c & KNOWN_GIVEN_NAMES:
        return True  # Rajesh / Rakesh, Elena / Alena
    q_patronymics = [w for w in only_q if is_patronymic(w)]
    c_patronymics = [w for w in only_c if is_patronymic(w)]
    if q_patronymics and c_patronymics:
        return True  # Sergei Borisovich Ivanov / Sergei Nikolaevich Ivanov
    if len(q_words) != len(c_words):
        return False  # Gazprom Bank / Gazprombank: words run together, not another surname
    return any(
        _derived(a, b) or _derived(b, a) for a in only_q for b in only_c if min(len(a), len(b)) > 3
    )


def _derived(longer: str, shorter: str) -> bool:
    return longer.startswith(shorter) and len(longer) - len(shorter) >= DERIVED_SURNAME_LETTERS_MIN


@dataclass(frozen=True, slots=True)
class Candidate:
    key: str  # the list entry's id
    name: str  # the list name that matched, as listed
    score: float


def _bucket_keys(word: str) -> tuple[str, str]:
    """A word's vocabulary buckets: its first letter, and its first two consonants."""
    consonants = re.sub(r"[aeiou]", "", word)[:2]
    return "l" + word[0], "c" + consonants


class NameIndex:
    """List names, and the vocabulary of their words, for scoring only the plausible names."""

    def __init__(self, names: Iterable[tuple[str, str]] = ()) -> None:
        self._names: list[tuple[str, str, str]] = []  # (key, listed name, normal form)
        self._postings: dict[str, list[int]] = {}  # word (or words run together) -> positions
        self._buckets: dict[str, list[str]] = {}  # bucket key -> vocabulary words
        self._similar_cache: dict[str, frozenset[int]] = {}
        self._initial_cache: dict[str, frozenset[int]] = {}
        self._result_cache: dict[tuple[str, float, int], list[Candidate]] = {}
        for key, name in names:
            self.add(key, name)

    def add(self, key: str, name: str) -> None:
        form = normalize(name)
        if not form:
            return
        position = len(self._names)
        self._names.append((key, name, form))
        words = set(form.split())
        if len(words) > 1:
            words.add(form.replace(" ", ""))  # Gazprom Bank is found as Gazprombank
        for word in words:
            posting = self._postings.get(word)
            if posting is None:
                self._postings[word] = posting = []
                if " " not in form or word != form.replace(" ", ""):
                    for bucket in _bucket_keys(word):
                        self._buckets.setdefault(bucket, []).append(word)
            posting.append(position)
        if self._similar_cache or self._initial_cache or self._result_cache:
            self._similar_cache.clear()
            self._initial_cache.clear()
            self._result_cache.clear()

    def __len__(self) -> int:
        return len(self._names)

    def search(self, name: str, threshold: float = 0.0, limit: int = 10) -> list[Candidate]:
        """The best-scoring list entries for `name`, one per key, at or above `threshold`."""
        form = normalize(name)
        cache_key = (form, threshold, limit)
        cached = self._result_cache.get(cache_key)
        if cached is None:
            cached = self._search(form, threshold, limit)
            if len(self._result_cache) >= RESULT_CACHE_MAX:
                self._result_cache.clear()
            self._result_cache[cache_key] = cached
        return list(cached)

    def _search(self, form: str, threshold: float, limit: int) -> list[Candidate]:
        positions = self._candidates(form)
        if not positions:
            return []
        forms = [self._names[p][2] for p in positions]
        if _shape(form).has_initial or _shape(form).has_optional:
            ranked = process.extract(form, forms, scorer=fuzz.token_sort_ratio, limit=SCORED_MAX)
        else:  # a plain query: candidates far below by token-sort cannot reach a hit in full
            ranked = process.extract(
                form,
                forms,
                scorer=fuzz.token_sort_ratio,
                limit=SCORED_MAX,
                score_cutoff=PRE_SCORE_FLOOR,
            )
            ranked += [  # except by the words run together, or the candidate's own initials
                (f, 0.0, at)
                for at, f in enumerate(forms)
                if _shape(f).has_initial or (" " in f) != (" " in form)
            ][:SCORED_MAX]
        best: dict[str, Candidate] = {}
        for _, _, at in ranked:
            key, listed, other = self._names[positions[at]]
            value = score(form, other)
            if value >= threshold and (key not in best or value > best[key].score):
                best[key] = Candidate(key, listed, round(value, 1))
        return sorted(best.values(), key=lambda c: (-c.score, c.key))[:limit]

    def _candidates(self, form: str) -> list[int]:
        """Positions of the names holding every word of `form` (a patronymic or an optional
        middle name may be missing; an initial needs a word with that first letter), and of any
        name written as its words run together."""
        words = form.split()
        required = sorted(
            (
                s
                for at, w in enumerate(words)
                if len(w) > 1 and not _optional(w, at, len(words))
                if (s := self._similar(w))
            ),
            key=len,
        )
        found: set[int] = set()
        if required:
            found = set(required[0])
            for other in required[1:]:
                found.intersection_update(other)
                if not found:
                    break
            for initial in (w for w in words if len(w) == 1):
                found.intersection_update(self._with_initial(initial))
        if len(words) > 1:
            found.update(self._postings.get("".join(words), ()))
        return sorted(found)

    def _similar(self, word: str) -> frozenset[int]:
        """Positions of the names holding a word similar to `word` (cached)."""
        cached = self._similar_cache.get(word)
        if cached is not None:
            return cached
        vocabulary = list(
            dict.fromkeys(w for key in _bucket_keys(word) for w in self._buckets.get(key, ()))
        )
        similar = process.extract(
            word, vocabulary, scorer=fuzz.ratio, score_cutoff=TOKEN_SIMILAR_MIN, limit=None
        )
        positions = set(self._postings.get(word, ()))
        for other, _, _ in similar:
            positions.update(self._postings[other])
        if len(self._similar_cache) >= WORD_CACHE_MAX:
            self._similar_cache.clear()
        self._similar_cache[word] = result = frozenset(positions)
        return result

    def _with_initial(self, letter: str) -> frozenset[int]:
        cached = self._initial_cache.get(letter)
        if cached is None:
            cached = frozenset(
                p for p, (_, _, form) in enumerate(self._names) if f" {letter}" in f" {form}"
            )
            self._initial_cache[letter] = cached
        return cached
