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
list names containing any similar word (a sorted array of positions, cached per word, since
payments repeat the same words). Candidates are the names that have every word of the query in
this sense: intersecting the arrays of a crowded given name and a crowded surname (binary search,
in C) leaves the few names with both.

A search then scores its candidates in two steps. The parts of `score` that rapidfuzz computes
(token-sort, the words run together, the comparison without a one-sided patronymic) are worked
out for all candidates in one C call each (`process.cdist`; a few candidates one by one). Only
candidates that the Python part could change (an initial on either side, or a score at which a
different-person cap or the consonant penalty may apply) are finished in Python, most promising
first, and the search stops once the `limit`-th best entry beats every candidate left: the
result is what scoring every candidate would give, at a fraction of the Python work. Results are
cached per normal form.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import operator
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
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
FEW_CANDIDATES_MAX = 20  # candidates scored one by one; more are scored in arrays (quicker)
SCORED_MAX = 256  # candidates finished in Python per search: a bound where an initial ties many
WORD_CACHE_MAX = 50_000  # cached word lookups per index before the cache starts again
RESULT_CACHE_MAX = 50_000  # cached searches per index (payments repeat their parties' names)
ROUNDING_MARGIN = 0.051  # scores are rounded to 0.1: below a kept one by more cannot tie it
PRE_SCORE_FLOOR = 50.0  # token-sort (in C) below which a plain candidate is not even returned
DIFFERENT_PERSON_SCORE_MAX = 70.0  # the cap when the names are of different people (see above)
DERIVED_SURNAME_LETTERS_MIN = 3  # Kozlov + sky: a longer extension makes another surname
CONSONANT_CHANGE_PENALTY = 10.0  # per word whose consonants differ from its closest counterpart
CONSONANT_CHANGE_WORD_MIN = 4  # letters; shorter words (Rao / Rav) are left to the score
CONSONANT_CHANGE_SIMILAR_MIN = 75.0  # fuzz.ratio at which two words are taken as counterparts
INITIALS_WEIGHT = 0.95  # a name matched through initials scores at most this share
INITIALS_SCORE_MAX = 100.0 * INITIALS_WEIGHT
WITHOUT_PATRONYMIC_WEIGHT = 0.95  # likewise a name matched without one side's patronymic
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

    form: str
    words: tuple[str, ...]  # tuples of strings, not lists or sets where they can be, so that
    # a list's worth of shapes stays light for the garbage collector
    word_set: frozenset[str]
    sorted_form: str  # the words in order: token-sort is fuzz.ratio of two of these
    joined: str  # the words run together
    has_initial: bool
    has_optional: bool  # a patronymic or an optional middle name
    bare: str  # the words but the optional ones
    bare_words: int
    flags: int  # _INITIAL, _OPTIONAL, _BARE_WORDS, _SPACED: for scoring many at once in C


_INITIAL, _OPTIONAL, _BARE_WORDS, _SPACED = 1, 2, 4, 8  # _Shape.flags (_BARE_WORDS: two or more)


def _make_shape(form: str) -> _Shape:
    words = tuple(form.split())
    bare = [w for at, w in enumerate(words) if not _optional(w, at, len(words))]
    return _Shape(
        form,
        words,
        frozenset(words),
        " ".join(sorted(words)),
        "".join(words),
        any(len(w) == 1 for w in words),
        len(bare) != len(words),
        " ".join(bare),
        len(bare),
        (_INITIAL if any(len(w) == 1 for w in words) else 0)
        | (_OPTIONAL if len(bare) != len(words) else 0)
        | (_BARE_WORDS if len(bare) >= 2 else 0)
        | (_SPACED if len(words) > 1 else 0),
    )


_shape = functools.lru_cache(maxsize=1 << 17)(_make_shape)  # list names share their forms


def score(query: str, candidate: str) -> float:
    """0–100 similarity of two normal forms."""
    if not query or not candidate:
        return 0.0
    q, c = _shape(query), _shape(candidate)
    return _settle(q, c, _best(q, c))


def _best(q: _Shape, c: _Shape) -> float:
    """The most of token-sort (word order does not matter), the words run together, and the
    comparison without a patronymic given on one side only."""
    best = max(fuzz.ratio(q.sorted_form, c.sorted_form), fuzz.ratio(q.joined, c.joined))
    if _patronymic_on_one_side(q, c):
        best = max(best, fuzz.token_sort_ratio(q.bare, c.bare) * WITHOUT_PATRONYMIC_WEIGHT)
    return best


def _patronymic_on_one_side(q: _Shape, c: _Shape) -> bool:
    """`Oleg Deripaska` against `Oleg Vladimirovich Deripaska`: only one side gives it (an Indian
    middle name often left out, `Rahul Kumar Sharma`, counts as one); compared without it, unless
    that leaves a single word (`Roman Abramovich` is not `Roman`)."""
    return q.has_optional != c.has_optional and q.bare_words >= 2 and c.bare_words >= 2


def _settle(q: _Shape, c: _Shape, best: float) -> float:
    """The score from `best`, the most of token-sort, the words run together and the comparison
    without a patronymic: initials, then the caps for a different person."""
    if q.has_initial or c.has_initial:
        best = max(best, _initials_score(q.words, c.words), _initials_score(c.words, q.words))
    if best < DIFFERENT_PERSON_SCORE_MAX:
        return float(best)
    only_q = [w for w in q.words if w not in c.word_set]
    only_c = [w for w in c.words if w not in q.word_set]
    if not only_q or not only_c:
        return float(best)  # a cap needs a word on each side that the other lacks
    if _different_people(only_q, only_c, len(q.words) == len(c.words)):
        return DIFFERENT_PERSON_SCORE_MAX
    return max(0.0, best - CONSONANT_CHANGE_PENALTY * _consonant_changes(only_q, only_c))


_SOUND_CLASSES = str.maketrans("bfpvcgjkqsxzdtlmnr", "111122222222334556", "aeiouhwy")


@functools.lru_cache(maxsize=1 << 16)
def _skeleton(word: str) -> str:
    """A word's consonants by Soundex class (Russell and Odell's six groups), so that `j` for ж
    in French style (Prigojin) equals `z`; its first letter as written."""
    return word[0] + word[1:].translate(_SOUND_CLASSES)


def _consonant_changes(only_q: list[str], only_c: list[str]) -> int:
    """Words whose closest counterpart on the other side has other consonants.

    After folding, romanisations of one name differ in vowels (Vasilyev / Vasiliev, Sobchak /
    Sobchack), while a changed consonant is usually another name (Ivanov / Ivankov, Fedorov /
    Fedotov, Rotenberg / Rosenberg). The cost: a typo that changes a consonant scores lower.
    """
    changes = 0
    for word in only_q:
        if len(word) < CONSONANT_CHANGE_WORD_MIN:
            continue
        closest = max(only_c, key=functools.partial(fuzz.ratio, word))
        if (
            len(closest) >= CONSONANT_CHANGE_WORD_MIN
            and fuzz.ratio(word, closest) >= CONSONANT_CHANGE_SIMILAR_MIN
            and _skeleton(word) != _skeleton(closest)
        ):
            changes += 1
    return changes


def _initials_score(short: tuple[str, ...], full: tuple[str, ...]) -> float:
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
    return float(fuzz.token_sort_ratio(" ".join(expanded), " ".join(full))) * INITIALS_WEIGHT


@functools.lru_cache(maxsize=1 << 16)
def _is_patronymic(word: str) -> bool:
    return is_patronymic(word)


def _optional(word: str, at: int, words: int) -> bool:
    return _is_patronymic(word) or (0 < at < words - 1 and word in OPTIONAL_MIDDLE_NAMES)


def _different_people(only_q: list[str], only_c: list[str], same_length: bool) -> bool:
    """Given the words each side has and the other lacks."""
    if not KNOWN_GIVEN_NAMES.isdisjoint(only_q) and not KNOWN_GIVEN_NAMES.isdisjoint(only_c):
        return True  # Rajesh / Rakesh, Elena / Alena
    if any(map(_is_patronymic, only_q)) and any(map(_is_patronymic, only_c)):
        return True  # Sergei Borisovich Ivanov / Sergei Nikolaevich Ivanov
    if not same_length:
        return False  # Gazprom Bank / Gazprombank: words run together, not another surname
    return any(
        _derived(a, b) or _derived(b, a) for a in only_q for b in only_c if min(len(a), len(b)) > 3
    )


def _derived(longer: str, shorter: str) -> bool:
    return longer.startswith(shorter) and len(longer) - len(shorter) >= DERIVED_SURNAME_LETTERS_MIN


_Positions = npt.NDArray[np.int32]  # positions of list names, sorted and unique
_NO_POSITIONS: _Positions = np.zeros(0, np.int32)


def _sorted_unique(positions: _Positions) -> _Positions:
    """`np.unique`, by sorting: many times quicker than its hash table for arrays this size."""
    if not len(positions):
        return positions
    ordered = np.sort(positions)
    first = np.empty(len(ordered), np.bool_)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    unique: _Positions = ordered[first]
    return unique


def _intersect(ours: _Positions, theirs: _Positions) -> _Positions:
    """The positions in both (binary search of the smaller in the larger, in C)."""
    if len(ours) > len(theirs):
        ours, theirs = theirs, ours
    if not len(ours):
        return ours
    at = np.searchsorted(theirs, ours)
    at[at == len(theirs)] = 0
    both: _Positions = ours[theirs[at] == ours]
    return both


class Candidate(NamedTuple):
    """A list name found for a query."""

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
        self._keys: list[str] = []  # by position: the list entry's id
        self._listed: list[str] = []  # by position: the name as listed
        self._shapes: list[_Shape] = []  # by position: the normal form, worked out
        self._postings: dict[str, list[int]] = {}  # word (or words run together) -> positions
        self._first_letters: dict[str, list[int]] = {}  # letter -> names with a word starting so
        self._buckets: dict[str, list[str]] = {}  # bucket key -> vocabulary words
        self._similar_cache: dict[str, _Positions] = {}  # word -> positions (sorted, unique)
        self._initial_cache: dict[str, _Positions] = {}
        self._posting_cache: dict[str, _Positions] = {}
        self._vocabulary_cache: dict[tuple[str, str], list[str]] = {}
        # the result cache holds plain tuples of strings and floats, which the garbage collector
        # stops tracking: tens of thousands of objects it would otherwise walk in every full pass
        self._result_cache: dict[tuple[str, float, int], tuple[tuple[str, str, float], ...]] = {}
        self._caches: tuple[dict[Any, Any], ...] = (
            self._similar_cache,
            self._initial_cache,
            self._posting_cache,
            self._vocabulary_cache,
            self._result_cache,
        )
        for key, name in names:
            self.add(key, name)

    def add(self, key: str, name: str) -> None:
        form = normalize(name)
        if not form:
            return
        position = len(self._keys)
        shape = _shape(form)
        self._keys.append(key)
        self._listed.append(name)
        self._shapes.append(shape)
        words = set(shape.word_set)
        if len(words) > 1:
            words.add(shape.joined)  # Gazprom Bank is found as Gazprombank
        for word in words:
            posting = self._postings.get(word)
            if posting is None:
                self._postings[word] = posting = []
                if len(shape.words) == 1 or word != shape.joined:
                    for bucket in _bucket_keys(word):
                        self._buckets.setdefault(bucket, []).append(word)
            posting.append(position)
        for letter in {w[0] for w in shape.words}:
            self._first_letters.setdefault(letter, []).append(position)
        for cache in self._caches:
            cache.clear()

    def __len__(self) -> int:
        return len(self._keys)

    def search(self, name: str, threshold: float = 0.0, limit: int = 10) -> list[Candidate]:
        """The best-scoring list entries for `name`, one per key, at or above `threshold`."""
        form = normalize(name)
        cache_key = (form, threshold, limit)
        cached = self._result_cache.get(cache_key)
        if cached is None:
            cached = tuple(self._search(form, threshold, limit))
            if len(self._result_cache) >= RESULT_CACHE_MAX:
                self._result_cache.clear()
            self._result_cache[cache_key] = cached
        return list(map(Candidate._make, cached))

    def _search(self, form: str, threshold: float, limit: int) -> list[tuple[str, str, float]]:
        """Score the candidates in C first, then finish in Python only those that could still
        make the result: in order of the most each could score, until the `limit`-th best key
        scores more than any candidate left could."""
        positions = self._candidates(form)
        if not positions or limit < 1:
            return []
        query = _make_shape(form)  # not cached: the search's result is
        shapes = (
            [self._shapes[p] for p in positions]
            if len(positions) < 2
            else list(operator.itemgetter(*positions)(self._shapes))
        )
        pre = _pre_score(query, shapes)
        best, bound, unsettled = pre.best, pre.bound, pre.unsettled
        found: dict[str, tuple[float, int]] = {}  # key -> its best score, and at which position
        kept: list[float] = []  # min-heap: the best `limit` scores of distinct keys
        stop_below = threshold  # a bound below this cannot make the result
        settled = 0
        for at in pre.order:
            if bound[at] < stop_below:
                break
            value = best[at]
            if unsettled[at]:
                if settled == SCORED_MAX:
                    break
                settled += 1
                value = _settle(query, shapes[at], value)
            if value < stop_below:
                continue  # below the threshold, or below the `limit`-th best key
            key = self._keys[positions[at]]
            previous = found.get(key)
            if previous is not None and value <= previous[0]:
                continue
            found[key] = (value, positions[at])
            if previous is None:
                (heapq.heappush if len(kept) < limit else heapq.heappushpop)(kept, value)
            else:  # another name of the key scores more (rare): the key counts once
                kept = heapq.nlargest(limit, (v for v, _ in found.values()))
                heapq.heapify(kept)
            if len(kept) == limit:
                # ranked by the rounded score: stop where no later one could round up to a tie
                stop_below = max(threshold, round(kept[0], 1) - ROUNDING_MARGIN)
        ranked = sorted((-round(v, 1), key, p) for key, (v, p) in found.items())[:limit]
        return [(key, self._listed[p], -negated) for negated, key, p in ranked]

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
                if len(s := self._similar(w))
            ),
            key=len,
        )
        found = _NO_POSITIONS
        if required:
            initials = (self._with_initial(w) for w in words if len(w) == 1)
            found = required[0]
            for other in itertools.chain(required[1:], initials):
                found = _intersect(found, other)
                if not len(found):
                    break
        joined = "".join(words)
        if len(words) > 1 and joined in self._postings:
            found = _sorted_unique(np.concatenate((found, self._posting(joined))))
        return found.tolist()  # type: ignore[no-any-return]

    def _similar(self, word: str) -> _Positions:
        """Positions of the names holding a word similar to `word` (cached)."""
        cached = self._similar_cache.get(word)
        if cached is not None:
            return cached
        similar = process.extract(
            word,
            self._vocabulary(_bucket_keys(word)),
            scorer=fuzz.ratio,
            score_cutoff=TOKEN_SIMILAR_MIN,
            limit=None,
        )
        words = [other for other, _, _ in similar]
        if word in self._postings and word not in words:
            words.append(word)
        result = (
            _sorted_unique(np.concatenate([self._posting(w) for w in words]))
            if words
            else _NO_POSITIONS
        )
        if len(self._similar_cache) >= WORD_CACHE_MAX:
            self._similar_cache.clear()
        self._similar_cache[word] = result
        return result

    def _posting(self, word: str) -> _Positions:
        """A vocabulary word's positions as an array (cached; appended in order, so sorted)."""
        cached = self._posting_cache.get(word)
        if cached is None:
            cached = np.array(self._postings[word], np.int32)
            self._posting_cache[word] = cached
        return cached

    def _vocabulary(self, buckets: tuple[str, str]) -> list[str]:
        """The vocabulary words in either bucket (cached: queries share their buckets)."""
        cached = self._vocabulary_cache.get(buckets)
        if cached is None:
            cached = list(dict.fromkeys(w for key in buckets for w in self._buckets.get(key, ())))
            self._vocabulary_cache[buckets] = cached
        return cached

    def _with_initial(self, letter: str) -> _Positions:
        cached = self._initial_cache.get(letter)
        if cached is None:  # positions are appended in order, once per letter: sorted, unique
            cached = np.array(self._first_letters.get(letter, ()), np.int32)
            self._initial_cache[letter] = cached
        return cached


@dataclass(frozen=True, slots=True)
class _PreScore:
    """A query's candidates scored but for `_settle`, by position among the candidates."""

    best: list[float]  # `_best`
    bound: list[float]  # the most `score` can make of it (initials raise it)
    unsettled: list[bool]  # `score` may differ from `best`: initials, or a cap may apply
    order: list[int]  # the candidates worth scoring, most promising first


def _pre_score(query: _Shape, shapes: list[_Shape]) -> _PreScore:
    """`_best` of the query and each candidate, the most `score` could make of it, and the order
    to settle them in."""
    if len(shapes) <= FEW_CANDIDATES_MAX:
        return _pre_score_few(query, shapes)
    count = len(shapes)
    flags = np.fromiter((c.flags for c in shapes), np.uint8, count)
    token_sort = process.cdist(
        [query.sorted_form], [c.sorted_form for c in shapes], scorer=fuzz.ratio, dtype=np.float64
    )[0]
    run_together = process.cdist(
        [query.joined], [c.joined for c in shapes], scorer=fuzz.ratio, dtype=np.float64
    )[0]
    best = np.maximum(token_sort, run_together)
    if query.bare_words >= 2:
        wanted = _BARE_WORDS if query.has_optional else _BARE_WORDS | _OPTIONAL
        one_side = np.flatnonzero((flags & (_BARE_WORDS | _OPTIONAL)) == wanted)
        if len(one_side):
            bare = process.cdist(
                [query.bare],
                [shapes[at].bare for at in one_side.tolist()],
                scorer=fuzz.token_sort_ratio,
                dtype=np.float64,
            )[0]
            best[one_side] = np.maximum(best[one_side], bare * WITHOUT_PATRONYMIC_WEIGHT)
    unsettled = best >= DIFFERENT_PERSON_SCORE_MAX
    bound = best
    initials = (flags & _INITIAL) != 0
    if query.has_initial:
        initials[:] = True
    if query.has_initial or initials.any():
        bound = np.where(initials, np.maximum(best, INITIALS_SCORE_MAX), best)
        unsettled |= initials
    if query.has_initial or query.has_optional:
        worth = np.arange(count)
    else:  # a plain query: candidates far below by token-sort cannot reach a hit in full
        # except by the words run together, or the candidate's own initials
        spaced = _SPACED if len(query.words) > 1 else 0
        other = ((flags ^ spaced) & (_INITIAL | _SPACED)) != 0
        worth = np.flatnonzero((token_sort >= PRE_SCORE_FLOOR) | other)
    # the most promising first: by bound, then (where initials tie many at one bound) by `best`
    order = worth[np.lexsort((-best[worth], -bound[worth]))]
    return _PreScore(best.tolist(), bound.tolist(), unsettled.tolist(), order.tolist())


def _pre_score_few(query: _Shape, shapes: list[_Shape]) -> _PreScore:
    """`_pre_score` one candidate at a time, quicker than arrays for a few."""
    best, bound, unsettled, worth = [], [], [], []
    plain = not (query.has_initial or query.has_optional)
    spaced = _SPACED if len(query.words) > 1 else 0
    for at, c in enumerate(shapes):
        value = _best(query, c)
        initials = query.has_initial or c.has_initial
        best.append(value)
        bound.append(max(value, INITIALS_SCORE_MAX) if initials else value)
        unsettled.append(initials or value >= DIFFERENT_PERSON_SCORE_MAX)
        if (
            plain
            and fuzz.ratio(query.sorted_form, c.sorted_form) < PRE_SCORE_FLOOR
            and not (c.flags ^ spaced) & (_INITIAL | _SPACED)
        ):
            continue
        worth.append(at)
    order = sorted(worth, key=lambda at: (-bound[at], -best[at]))
    return _PreScore(best, bound, unsettled, order)
