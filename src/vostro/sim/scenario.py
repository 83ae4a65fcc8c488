"""A simulation scenario: the calibrated base year with a set of overrides, read from TOML.

Every scenario file is a set of overrides of `base` (FY2024-25 as the sources report it): a table
per part (`[settlement]`, `[liquidity]`, `[mix]`, `[fx]`, `[surplus]`, `[growth]`,
`[remittances]`), and lists of `[[shocks]]` and `[[cutoffs]]`. A sweep file names a base scenario
and a `[grid]` of override paths ("liquidity.level") to lists of values. Unknown keys and values
of the wrong kind are refused with the path that is wrong, so a typo never runs silently as the
base year.
"""

from __future__ import annotations

import copy
import itertools
import tomllib
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from vostro.errors import VostroError

DESIGNS = ("rtgs", "lsm", "dns")
MIXES = ("market", "official")
POLICIES = ("invest", "none")


class ScenarioError(VostroError):
    """A scenario or sweep file that cannot be run as written."""


@dataclass(frozen=True)
class Settlement:
    design: str = "rtgs"  # rtgs | lsm | dns
    lsm_every_minutes: int = 15
    window_hours: int = 2
    tick_seconds: int = 300  # payments arriving within one tick go through one group commit


@dataclass(frozen=True)
class Liquidity:
    # Each morning every participant is brought up to lower + level x (upper - lower) of its
    # day's payments: 0 is the lower bound (end-of-day net), 1 the upper (all settle on arrival).
    level: float = 0.5


@dataclass(frozen=True)
class Mix:
    kind: str = "market"  # market: the segment table; official: RUB+INR 96 %
    official_share: float = 0.96


@dataclass(frozen=True)
class Fx:
    spread_bps: int = 75  # the FX providers' spread on a remittance (direct INR/RUB: 50-100)
    liquidity_level: float = 1.0  # FX providers' opening liquidity, between the bounds as above


@dataclass(frozen=True)
class Surplus:
    policy: str = "invest"  # invest: sweep above the threshold into T-bills; none: keep it
    threshold_crore: int = 500  # the vostro operating balance kept, in crore rupees
    yield_pct: float = 6.5  # annual T-bill yield, 91-day bills (ASSUMPTION near RBI's repo rate)


@dataclass(frozen=True)
class Growth:
    year: int = 2025  # the fiscal year's end: 2025 is FY2024-25, 2030 is FY2029-30
    trade_fy2025_usd_bn: float = 68.7
    trade_2030_usd_bn: float = 100.0


@dataclass(frozen=True)
class Remittances:
    workers: int = 75_000  # Indian workers in Russia, each sending once a month
    per_year: int = 12
    fee_bps: int = 100  # the sending bank's fee (VTB: 1 %)
    fixed_fee_rub: int = 100  # and a fixed part per transfer, in roubles (ASSUMPTION)


@dataclass(frozen=True)
class Shock:
    segment: str = "crude_oil"  # a segment tag
    factor: float = 0.65  # the segment's flow in the shock's months, against normal
    start: date = date(2024, 12, 1)
    months: int = 3


@dataclass(frozen=True)
class Cutoff:
    bic: str = ""
    on: date = date(2024, 11, 21)
    reason: str = "cut off by sanctions"


@dataclass(frozen=True)
class Scenario:
    name: str = "base"
    description: str = "FY2024-25 as the sources report it: market currency mix, RTGS."
    seed: int = 1
    settlement: Settlement = field(default_factory=Settlement)
    liquidity: Liquidity = field(default_factory=Liquidity)
    mix: Mix = field(default_factory=Mix)
    fx: Fx = field(default_factory=Fx)
    surplus: Surplus = field(default_factory=Surplus)
    growth: Growth = field(default_factory=Growth)
    remittances: Remittances = field(default_factory=Remittances)
    shocks: tuple[Shock, ...] = ()
    cutoffs: tuple[Cutoff, ...] = ()

    def check(self) -> Scenario:
        """The scenario, or a ScenarioError saying which setting cannot be run."""
        rules = [
            (self.settlement.design in DESIGNS, f"settlement.design must be one of {DESIGNS}"),
            (self.mix.kind in MIXES, f"mix.kind must be one of {MIXES}"),
            (self.surplus.policy in POLICIES, f"surplus.policy must be one of {POLICIES}"),
            (0 <= self.liquidity.level <= 1, "liquidity.level must be between 0 and 1"),
            (0 <= self.fx.liquidity_level <= 1, "fx.liquidity_level must be between 0 and 1"),
            (0 <= self.mix.official_share <= 1, "mix.official_share must be between 0 and 1"),
            (1 <= self.settlement.tick_seconds <= 3600, "settlement.tick_seconds: 1 to 3600"),
            (self.settlement.lsm_every_minutes >= 1, "settlement.lsm_every_minutes: at least 1"),
            (1 <= self.settlement.window_hours <= 24, "settlement.window_hours: 1 to 24"),
            (0 <= self.fx.spread_bps <= 2_000, "fx.spread_bps must be between 0 and 2000"),
            (2025 <= self.growth.year <= 2040, "growth.year must be between 2025 and 2040"),
            (self.remittances.workers >= 0, "remittances.workers cannot be negative"),
            (all(0 <= s.factor <= 10 for s in self.shocks), "a shock's factor: 0 to 10"),
            (all(s.months >= 1 for s in self.shocks), "a shock lasts at least a month"),
        ]
        for ok, message in rules:
            if not ok:
                raise ScenarioError(f"scenario {self.name!r}: {message}")
        return self

    @property
    def fiscal_year_start(self) -> date:
        return date(self.growth.year - 1, 4, 1)

    @property
    def trade_factor(self) -> float:
        """The year's trade against FY2024-25, on the straight geometric path to the 2030
        target (68.7 bn in FY2024-25, 100 bn in FY2029-30)."""
        g = self.growth
        years = (g.year - 2025) / 5
        return float((g.trade_2030_usd_bn / g.trade_fy2025_usd_bn) ** years)


def shipped() -> dict[str, Path]:
    """The scenario and sweep files shipped with vostro, by name."""
    folder = resources.files("vostro.sim") / "scenarios"
    return {Path(f.name).stem: Path(str(f)) for f in folder.iterdir() if f.name.endswith(".toml")}


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as e:
        raise ScenarioError(f"cannot read {path}: {e.strerror}") from e
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{path} is not valid TOML: {e}") from e


def load(name_or_path: str | Path) -> Scenario:
    """A shipped scenario by name, or a scenario file (overrides of base)."""
    path = _locate(name_or_path)
    return apply(Scenario(), read_toml(path), where=str(path)).check()


def _locate(name_or_path: str | Path) -> Path:
    known = shipped()
    if isinstance(name_or_path, str) and name_or_path in known:
        return known[name_or_path]
    path = Path(name_or_path)
    if not path.is_file():
        raise ScenarioError(
            f"no scenario {str(name_or_path)!r}: give a TOML file or one of {sorted(known)}"
        )
    return path


def apply(base: Any, overrides: dict[str, Any], *, where: str) -> Any:
    """`base` (a dataclass) with the overrides' values, checked against its fields' types."""
    known = {f.name: f for f in fields(base)}
    changes: dict[str, Any] = {}
    for key, value in overrides.items():
        if key not in known:
            raise ScenarioError(f"{where}: unknown setting {key!r} (known: {sorted(known)})")
        current = getattr(base, key)
        path = f"{where}.{key}" if where else key
        changes[key] = _value(current, value, path, key)
    return replace(base, **changes)


def _value(current: Any, value: Any, path: str, key: str) -> Any:
    if is_dataclass(current):
        if not isinstance(value, dict):
            raise ScenarioError(f"{path} must be a table")
        return apply(current, value, where=path)
    if isinstance(current, tuple):  # shocks, cutoffs: a list of tables
        item = {"shocks": Shock, "cutoffs": Cutoff}[key]()
        if not isinstance(value, list):
            raise ScenarioError(f"{path} must be a list of tables")
        return tuple(apply(item, v, where=f"{path}[{n}]") for n, v in enumerate(value))
    if isinstance(current, bool) or not isinstance(value, type(current)):
        if isinstance(current, float) and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        raise ScenarioError(
            f"{path} must be {type(current).__name__}, not {type(value).__name__} {value!r}"
        )
    return value


@dataclass(frozen=True)
class Sweep:
    name: str
    base: Scenario
    grid: dict[str, list[Any]]

    def runs(self) -> list[tuple[str, dict[str, Any], Scenario]]:
        """Every point of the grid: its label, its overrides and its scenario."""
        keys = list(self.grid)
        out = []
        for values in itertools.product(*(self.grid[k] for k in keys)):
            point = dict(zip(keys, values, strict=True))
            label = ", ".join(f"{k}={v}" for k, v in point.items())
            nested: dict[str, Any] = {}
            for k, v in point.items():
                _set_path(nested, k.split("."), v)
            scenario = apply(self.base, nested, where=self.name)
            out.append((label, point, replace(scenario, name=f"{self.base.name} {label}").check()))
        return out


def _set_path(into: dict[str, Any], parts: list[str], value: Any) -> None:
    for part in parts[:-1]:
        into = into.setdefault(part, {})
    into[parts[-1]] = copy.deepcopy(value)


def load_sweep(name_or_path: str | Path) -> Sweep:
    """A sweep file: `base` (a shipped scenario's name or a file), `name`, and a `[grid]`."""
    path = _locate(name_or_path)
    data = read_toml(path)
    grid = data.get("grid")
    if not isinstance(grid, dict) or not grid:
        raise ScenarioError(f"{path} is not a sweep: it has no [grid] of settings to vary")
    if not all(isinstance(v, list) and v for v in grid.values()):
        raise ScenarioError(f"{path}: every [grid] setting needs a non-empty list of values")
    base_name = data.get("base", "base")
    base = load(base_name) if isinstance(base_name, str) else Scenario()
    base = apply(base, data.get("overrides", {}), where=f"{path}.overrides")
    sweep = Sweep(str(data.get("name", path.stem)), base, grid)
    sweep.runs()  # every point must be a valid scenario before anything runs
    return sweep
