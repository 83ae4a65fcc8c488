"""`vostro bench screening`: sanctions name screening, for accuracy and for throughput.

Accuracy: the labelled pairs in `tests/fixtures/screening/labelled_pairs.csv` (a payment's name,
a listed name, match or non-match, and the kind of case). Every listed name goes into one index
and each query is screened against it, as a payment would be; a pair is predicted a match when its
listed name comes back at or above the threshold. Precision, recall, F1, the four counts, the
misclassified pairs, and precision/recall at nearby thresholds.

Throughput (seeded): a synthetic list of `entities` Russian and Indian people and Russian and
Indian companies, built from crowded stems (a few surname roots and company stems are very
common, as on real lists), a tenth of it in Cyrillic. `payments` party names are drawn from a
population of payers with Zipf-like repetition (most payments come from a few parties); one in a
hundred is a listed name as a payment might spell it (reordered, an initial, Cyrillic, another
romanisation), which should be a hit. Timed: building the list, then `screen_name` on each
payment name (names/s, p50 and p99 per name), and apart from that the first occurrence of each
distinct name, for which nothing is cached (the rate a stream of all-new names would see; later
occurrences are answered from the index's result cache). Baselines from the same run: an
exact-dictionary lookup of each name (the floor of any screening loop) and `normalize` alone
without its cache.
"""

from __future__ import annotations

import csv
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vostro.compliance import matching
from vostro.compliance.lists import ListedEntity, ScreeningList, screen_name
from vostro.compliance.matching import NameIndex
from vostro.config import HIT_THRESHOLD

PAIRS = Path(__file__).parents[3] / "tests" / "fixtures" / "screening" / "labelled_pairs.csv"
SWEEP_THRESHOLDS = (80.0, 83.0, 85.0, 88.0, 90.0, 92.0)
PLANTED_SHARE = 100  # one payment in this many names a listed party
PAYER_POPULATION_SHARE = 3  # distinct payers: a third of the payments
LIST_SHARES = (0.5, 0.1)  # Russian persons, Indian persons (the rest are companies)
PAYER_SHARES = (0.35, 0.45)  # the corridor's payers: more Indian parties, fewer companies
SEARCH_LIMIT = 10  # matches returned per name, as `screen_name` defaults to


@dataclass(frozen=True, slots=True)
class Pair:
    query: str
    listed: str
    match: bool
    kind: str


@dataclass(frozen=True, slots=True)
class Accuracy:
    threshold: float
    true_positives: int
    false_positives: int
    false_negatives: int
    true_negatives: int
    misclassified: list[dict[str, object]]

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        relevant = self.true_positives + self.false_negatives
        return self.true_positives / relevant if relevant else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load_pairs(path: Path = PAIRS) -> list[Pair]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    labels = {"match": True, "non-match": False}
    pairs = []
    for number, row in enumerate(rows, start=2):
        if row["label"] not in labels:
            raise ValueError(f"{path}:{number}: label is 'match' or 'non-match'")
        pairs.append(Pair(row["query"], row["listed"], labels[row["label"]], row["kind"]))
    return pairs


def evaluate(pairs: list[Pair], threshold: float = HIT_THRESHOLD) -> Accuracy:
    """Screen each query against an index of every listed name in the set."""
    index = NameIndex((listed, listed) for listed in dict.fromkeys(p.listed for p in pairs))
    counts = {(True, True): 0, (True, False): 0, (False, True): 0, (False, False): 0}
    wrong: list[dict[str, object]] = []
    for pair in pairs:
        found = {c.key: c.score for c in index.search(pair.query, 0.0, limit=len(index))}
        value = found.get(pair.listed, 0.0)
        predicted = value >= threshold
        counts[(predicted, pair.match)] += 1
        if predicted != pair.match:
            wrong.append(
                {
                    "query": pair.query,
                    "listed": pair.listed,
                    "label": "match" if pair.match else "non-match",
                    "kind": pair.kind,
                    "score": value,
                }
            )
    return Accuracy(
        threshold,
        counts[(True, True)],
        counts[(True, False)],
        counts[(False, True)],
        counts[(False, False)],
        wrong,
    )


@dataclass(frozen=True, slots=True)
class Workload:
    entities: list[tuple[str, str]]  # (id, name)
    payments: list[str]
    planted: dict[int, str]  # payment number -> the id of the listed entity it names


def workload(entities: int, payments: int, seed: int) -> Workload:
    from vostro.bench.synthetic_names import NameMaker

    maker = NameMaker(random.Random(seed))
    listed = [(f"e{n}", *maker.any(*LIST_SHARES)) for n in range(entities)]
    payers = [
        maker.any(*PAYER_SHARES)[0] for _ in range(max(1, payments // PAYER_POPULATION_SHARE))
    ]
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(payers))]
    names = maker.rng.choices(payers, weights, k=payments)
    planted: dict[int, str] = {}
    for at in range(0, payments, PLANTED_SHARE):
        entity_id, name, person = listed[maker.rng.randrange(len(listed))]
        names[at] = maker.respell(name, person)
        planted[at] = entity_id
    return Workload([(i, n) for i, n, _ in listed], names, planted)


def _percentile(sorted_values: list[int], share: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(share * len(sorted_values)))] / 1000


def _per_s(count: int, run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return count / (time.perf_counter() - started)


def _screen_all(
    screening: ScreeningList, load: Workload, progress: Callable[[int], object] | None
) -> tuple[list[int], list[int], int, int, float]:
    """Screen every payment name: each latency, each first occurrence's latency (nothing is
    cached for the name then), payments with a hit, planted names found, seconds in all."""
    latencies_ns: list[int] = []
    first_ns: list[int] = []  # each name's first occurrence: nothing is cached for the name
    seen: set[str] = set()
    hits = 0
    found_planted = 0
    clock = time.perf_counter_ns
    started = time.perf_counter()
    for at, name in enumerate(load.payments):
        began = clock()
        matches = screen_name(screening, name, limit=SEARCH_LIMIT)
        latencies_ns.append(clock() - began)
        if name not in seen:
            seen.add(name)
            first_ns.append(latencies_ns[-1])
        hit_ids = {m.entity_id for m in matches if m.hit}
        hits += bool(hit_ids)
        found_planted += load.planted.get(at, "") in hit_ids
        if progress is not None and at % 1000 == 999:
            progress(1000)
    screening_s = time.perf_counter() - started
    return latencies_ns, first_ns, hits, found_planted, screening_s


def throughput(
    load: Workload, progress: Callable[[int], object] | None = None
) -> dict[str, object]:
    started = time.perf_counter()
    screening = ScreeningList("synthetic", "synthetic")
    for entity_id, name in load.entities:
        screening.add(ListedEntity(entity_id, "LegalEntity", name, [name], []))
    build_s = time.perf_counter() - started
    matching.normalize.cache_clear()  # each distinct payment name is normalised in the run
    latencies_ns, first_ns, hits, found_planted, screening_s = _screen_all(
        screening, load, progress
    )
    exact = {name.casefold(): entity_id for entity_id, name in load.entities}
    exact_per_s = _per_s(
        len(load.payments), lambda: [exact.get(n.casefold()) for n in load.payments]
    )
    uncached = matching.normalize.__wrapped__
    normalize_per_s = _per_s(len(load.payments), lambda: [uncached(n) for n in load.payments])
    names_per_s = len(load.payments) / screening_s
    first_per_s = len(first_ns) / (sum(first_ns) / 1e9)
    repeat_ns = sum(latencies_ns) - sum(first_ns)
    repeats = len(load.payments) - len(first_ns)
    latencies_ns.sort()
    first_ns.sort()
    return {
        "entities": len(load.entities),
        "payments": len(load.payments),
        "distinct_payment_names": len(first_ns),
        "index_build_s": round(build_s, 2),
        "names_per_s": round(names_per_s),
        "first_occurrence_names_per_s": round(first_per_s),
        "repeat_names_per_s": round(repeats / (repeat_ns / 1e9)) if repeats else 0,
        "p50_ms": round(_percentile(latencies_ns, 0.50) / 1000, 4),
        "p99_ms": round(_percentile(latencies_ns, 0.99) / 1000, 3),
        "max_ms": round(latencies_ns[-1] / 1_000_000, 1),
        "first_occurrence_p50_ms": round(_percentile(first_ns, 0.50) / 1000, 3),
        "first_occurrence_p99_ms": round(_percentile(first_ns, 0.99) / 1000, 3),
        "exact_dict_baseline_per_s": round(exact_per_s),
        "ratio_to_exact_dict": round(names_per_s / exact_per_s, 4),
        "normalize_uncached_baseline_per_s": round(normalize_per_s),
        "ratio_to_normalize": round(names_per_s / normalize_per_s, 3),
        "first_occurrence_ratio_to_normalize": round(first_per_s / normalize_per_s, 4),
        "payments_with_a_hit": hits,
        "planted": len(load.planted),
        "planted_found": found_planted,
    }


def run(
    *,
    entities: int = 50_000,
    payments: int = 100_000,
    seed: int = 1,
    pairs: Path = PAIRS,
    progress: Callable[[int], object] | None = None,
) -> dict[str, object]:
    labelled = load_pairs(pairs)
    accuracy = evaluate(labelled)
    sweep = {f"{t:g}": evaluate(labelled, t) for t in SWEEP_THRESHOLDS}
    return {
        "threshold": accuracy.threshold,
        "pairs": len(labelled),
        "precision": round(accuracy.precision, 4),
        "recall": round(accuracy.recall, 4),
        "f1": round(accuracy.f1, 4),
        "true_positives": accuracy.true_positives,
        "false_positives": accuracy.false_positives,
        "false_negatives": accuracy.false_negatives,
        "true_negatives": accuracy.true_negatives,
        "misclassified": accuracy.misclassified,
        "precision_recall_by_threshold": {
            t: [round(a.precision, 4), round(a.recall, 4)] for t, a in sweep.items()
        },
        **throughput(workload(entities, payments, seed), progress),
    }
