"""The rules file marketing and sales edit together: ICP, BANT criteria and the points score.

``load_rules()`` reads the shipped ``features/rules.toml``; ``load_rules(path)`` reads a company's
own file. Files are strict: a missing section or key, an unknown (misspelt) key, a value of the
wrong type or out of range, or a points rule naming a feature that does not exist raises
``RulesError`` naming the file and the key, e.g.
``rules.toml: [bant.budget] min_amount must be a number ≥ 0, got 'lots'``.
A file starting with ``extends = "default"`` only lists the keys it changes.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from features.behaviour import NAMES as BEHAVIOUR_NAMES
from features.demographics import SENIORITY_LABELS

DEFAULT_RULES_PATH = Path(__file__).with_name("rules.toml")

REGIONS = ("north_america", "europe", "apac", "latam", "middle_east_africa")
LEVELS = tuple(label for label in SENIORITY_LABELS if label != "unknown")

# Columns of the per-lead feature table a behaviour rule may count: the behaviour family's own
# names (features/behaviour.py), so a rule naming anything else is rejected when the file loads.
BEHAVIOUR_FEATURES = frozenset(BEHAVIOUR_NAMES)


class RulesError(ValueError):
    """An invalid rules file; the message names the file and the key."""


@dataclass(frozen=True)
class ICP:
    """Ideal customer profile. ``max_employees`` None means no upper limit."""

    industries: tuple[str, ...]
    min_employees: int
    max_employees: int | None
    regions: tuple[str, ...]


@dataclass(frozen=True)
class BudgetRule:
    """Declared budget (USD) at or above ``min_amount`` qualifies."""

    min_amount: float


@dataclass(frozen=True)
class AuthorityRule:
    """Seniority levels that decide purchases and those that do not (together: every level)."""

    decision_makers: tuple[str, ...]
    not_decision_makers: tuple[str, ...]


@dataclass(frozen=True)
class NeedRule:
    """Pain-point answers (normalised: lower case, single spaces) that deny or dodge a need."""

    not_a_need: tuple[str, ...]
    no_answer: tuple[str, ...]


@dataclass(frozen=True)
class TimelineRule:
    """Purchase timeframes (normalised) that qualify or not; ``label`` words the qualifying ones."""

    qualifying: tuple[str, ...]
    not_qualifying: tuple[str, ...]
    label: str


@dataclass(frozen=True)
class BantRules:
    budget: BudgetRule
    authority: AuthorityRule
    need: NeedRule
    timeline: TimelineRule


@dataclass(frozen=True)
class BehaviourPoints:
    """``each`` points per unit of ``feature``, at most ``max`` points."""

    feature: str
    each: float
    max: float


@dataclass(frozen=True)
class SilenceStep:
    """``points`` (≤ 0) when ``days_since_last_activity`` is more than ``after_days``."""

    after_days: float
    points: float


@dataclass(frozen=True)
class PointsRules:
    """The classic points score. Negative points are stored as negative numbers."""

    behaviour: tuple[BehaviourPoints, ...]
    seniority: tuple[tuple[str, float], ...]
    industry_in_icp: float
    company_size_in_icp: float
    region_in_icp: float
    unsubscribed: float
    bounced: float
    silence: tuple[SilenceStep, ...]  # ascending after_days
    hot: float
    warm: float


@dataclass(frozen=True)
class ScoreTiers:
    """Cut-offs on the model's calibrated probability: >= hot is "hot", >= warm is "warm"."""

    hot: float = 0.40
    warm: float = 0.15

    def tier(self, probability: np.ndarray) -> np.ndarray:
        """Tier names ("hot", "warm", "cold") for an array of probabilities."""
        p = np.asarray(probability, dtype=float)
        return np.where(p >= self.hot, "hot", np.where(p >= self.warm, "warm", "cold"))


GRADE_LETTERS = ("A", "B", "C", "D")


@dataclass(frozen=True)
class Grades:
    """Cut-offs on a calibrated probability for the letter grades CRMs show next to a score:
    at or above ``a`` is "A", at or above ``b`` is "B", at or above ``c`` is "C", below is "D".
    The same cut-offs grade the score and its fit and engagement parts (``scoring.families``)."""

    a: float = 0.40
    b: float = 0.20
    c: float = 0.10

    def grade(self, probability: np.ndarray) -> np.ndarray:
        """Letters "A".."D" for an array of probabilities."""
        p = np.asarray(probability, dtype=float)
        return np.select([p >= self.a, p >= self.b, p >= self.c], ["A", "B", "C"], "D")

    def cut_offs(self) -> dict[str, float]:
        """Each letter's lowest probability ("D": 0)."""
        return {"A": self.a, "B": self.b, "C": self.c, "D": 0.0}


@dataclass(frozen=True)
class Rules:
    """A validated rules file; ``source`` is the file it came from."""

    icp: ICP
    bant: BantRules
    points: PointsRules
    source: str
    tiers: ScoreTiers = ScoreTiers()
    grades: Grades = Grades()


def load_rules(path: str | Path | None = None) -> Rules:
    """Read and validate a rules file; None reads the shipped ``features/rules.toml``.

    Raises:
        RulesError: the file is missing, is not valid TOML (message gives the line), or breaks
            the rules (message gives the section and key).
    """
    file = DEFAULT_RULES_PATH if path is None else Path(path)
    source = str(file)
    data = _read_toml(file, source)
    extends = data.pop("extends", None)
    if extends is not None:
        if extends != "default":
            raise RulesError(f"{source}: extends must be \"default\", got {extends!r}")
        data = _merge(_read_toml(DEFAULT_RULES_PATH, str(DEFAULT_RULES_PATH)), data)
    root = _Table(source, "", data)
    icp = _icp(root.table("icp"))
    bant = root.table("bant")
    rules = Rules(
        icp=icp,
        bant=BantRules(
            budget=_budget(bant.table("budget")),
            authority=_authority(bant.table("authority")),
            need=_need(bant.table("need")),
            timeline=_timeline(bant.table("timeline")),
        ),
        points=_points(root.table("points")),
        source=source,
        tiers=_score_tiers(root.table("tiers")),
        grades=_grades(root.table("grades")) if "grades" in root.data else Grades(),
    )
    bant.finish()
    root.finish()
    return rules


def normalise_answer(text: str) -> str:
    """How free-text answers are compared: lower case, trimmed, single spaces."""
    return " ".join(text.lower().split())


# --- reading -----------------------------------------------------------------------------------


def _read_toml(file: Path, source: str) -> dict[str, Any]:
    try:
        with file.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise RulesError(f"{source}: rules file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{source}: not valid TOML: {exc}") from exc


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``override`` laid over it; tables merge key by key, other values replace."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


class _Table:
    """One TOML table being validated; remembers which keys were read to reject unknown ones."""

    def __init__(self, source: str, path: str, data: dict[str, Any]) -> None:
        self.source, self.path, self.data = source, path, data
        self.read: set[str] = set()

    def error(self, message: str) -> RulesError:
        where = f" [{self.path}]" if self.path else ""
        return RulesError(f"{self.source}:{where} {message}")

    def get(self, key: str) -> Any:
        self.read.add(key)
        if key not in self.data:
            raise self.error(f"missing key {key!r}")
        return self.data[key]

    def table(self, key: str) -> _Table:
        path = f"{self.path}.{key}" if self.path else key
        self.read.add(key)
        if key not in self.data:
            raise RulesError(f"{self.source}: missing section [{path}]")
        value = self.data[key]
        if not isinstance(value, dict):
            raise self.error(f"{key} must be a section (table), got {_show(value)}")
        return _Table(self.source, path, value)

    def number(self, key: str, *, low: float | None = None, high: float | None = None,
               integer: bool = False) -> float:
        value = self.get(key)
        kind = "a whole number" if integer else "a number"
        if low is not None and high is not None:
            kind += f" between {low:g} and {high:g}"
        elif low is not None:
            kind += f" ≥ {low:g}"
        elif high is not None:
            kind += f" ≤ {high:g}"
        right_type = isinstance(value, int) if integer else isinstance(value, (int, float))
        if (isinstance(value, bool) or not right_type or value != value
                or (low is not None and value < low) or (high is not None and value > high)):
            raise self.error(f"{key} must be {kind}, got {_show(value)}")
        return float(value)

    def text(self, key: str) -> str:
        value = self.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"{key} must be a non-empty text, got {_show(value)}")
        return value

    def texts(self, key: str, allowed: tuple[str, ...] | None = None,
              normalise: bool = False) -> tuple[str, ...]:
        value = self.get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(f"{key} must be a list of texts, got {_show(value)}")
        items = tuple(normalise_answer(v) if normalise else v for v in value)
        if allowed is not None:
            for item in items:
                if item not in allowed:
                    raise self.error(f"{key}: unknown value {item!r}{_suggest(item, allowed)}; "
                                     f"allowed: {', '.join(allowed)}")
        return items

    def finish(self) -> None:
        """Reject keys nobody read: they are typos or rules this version does not know."""
        for key in self.data:
            if key not in self.read:
                raise self.error(f"unknown key {key!r}{_suggest(key, tuple(self.read))}")


def _suggest(word: str, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


# --- sections ----------------------------------------------------------------------------------


def _icp(table: _Table) -> ICP:
    industries = table.texts("industries")
    low = int(table.number("min_employees", low=0, integer=True))
    high = None
    if "max_employees" in table.data:  # optional: absent means no upper limit
        high = int(table.number("max_employees", low=low, integer=True))
    regions = table.texts("regions", allowed=REGIONS)
    table.finish()
    return ICP(industries, low, high, regions)


def _budget(table: _Table) -> BudgetRule:
    rule = BudgetRule(min_amount=table.number("min_amount", low=0))
    table.finish()
    return rule


def _disjoint(table: _Table, first: str, second: str, a: tuple[str, ...],
              b: tuple[str, ...]) -> None:
    both = sorted(set(a) & set(b))
    if both:
        raise table.error(f"{both[0]!r} is in both {first} and {second}")


def _authority(table: _Table) -> AuthorityRule:
    yes = table.texts("decision_makers", allowed=LEVELS)
    no = table.texts("not_decision_makers", allowed=LEVELS)
    _disjoint(table, "decision_makers", "not_decision_makers", yes, no)
    missing = [level for level in LEVELS if level not in yes + no]
    if missing:
        raise table.error(f"seniority level {missing[0]!r} must be in decision_makers or "
                          f"not_decision_makers")
    table.finish()
    return AuthorityRule(yes, no)


def _need(table: _Table) -> NeedRule:
    no = table.texts("not_a_need", normalise=True)
    dodge = table.texts("no_answer", normalise=True)
    _disjoint(table, "not_a_need", "no_answer", no, dodge)
    table.finish()
    return NeedRule(no, dodge)


def _timeline(table: _Table) -> TimelineRule:
    yes = table.texts("qualifying", normalise=True)
    no = table.texts("not_qualifying", normalise=True)
    _disjoint(table, "qualifying", "not_qualifying", yes, no)
    rule = TimelineRule(yes, no, table.text("label"))
    table.finish()
    return rule


def _score_tiers(table: _Table) -> ScoreTiers:
    hot = table.number("hot", low=0, high=1)
    warm = table.number("warm", low=0, high=1)
    if warm >= hot:
        raise table.error(f"warm must be below hot, got warm = {warm:g}, hot = {hot:g}")
    table.finish()
    return ScoreTiers(hot, warm)


def _grades(table: _Table) -> Grades:
    a, b, c = (table.number(letter, low=0, high=1) for letter in ("A", "B", "C"))
    if not a > b > c:
        raise table.error(f"the cut-offs must fall from A to C, got A = {a:g}, B = {b:g}, "
                          f"C = {c:g}")
    table.finish()
    return Grades(a, b, c)


def _points(table: _Table) -> PointsRules:
    behaviour = table.table("behaviour")
    rules = []
    for feature in behaviour.data:
        if feature not in BEHAVIOUR_FEATURES:
            raise behaviour.error(f"unknown feature {feature!r}"
                                  f"{_suggest(feature, sorted(BEHAVIOUR_FEATURES))}")
        item = behaviour.table(feature)
        rules.append(BehaviourPoints(feature, item.number("each", low=0),
                                     item.number("max", low=0)))
        item.finish()

    fit = table.table("fit")
    seniority = fit.table("seniority")
    seniority_points = []
    for level in seniority.data:
        if level not in LEVELS:
            raise seniority.error(f"unknown seniority level {level!r}{_suggest(level, LEVELS)}; "
                                  f"allowed: {', '.join(LEVELS)}")
        seniority_points.append((level, seniority.number(level, low=0)))
    seniority.finish()
    industry = fit.number("industry_in_icp", low=0)
    size = fit.number("company_size_in_icp", low=0)
    region = fit.number("region_in_icp", low=0)
    fit.finish()

    negative = table.table("negative")
    unsubscribed = negative.number("unsubscribed", high=0)
    bounced = negative.number("bounced", high=0)
    steps = negative.get("silence")
    if not isinstance(steps, list) or not all(isinstance(s, dict) for s in steps):
        raise negative.error(f"silence must be a list of {{ after_days = ..., points = ... }}, "
                             f"got {_show(steps)}")
    silence = []
    for i, raw in enumerate(steps):
        step = _Table(negative.source, f"{negative.path}.silence[{i}]", raw)
        silence.append(SilenceStep(step.number("after_days", low=0),
                                   step.number("points", high=0)))
        step.finish()
    days = [s.after_days for s in silence]
    if len(set(days)) != len(days):
        raise negative.error("silence has two steps with the same after_days")
    negative.finish()

    tiers = table.table("tiers")
    hot = tiers.number("hot", low=0, high=100)
    warm = tiers.number("warm", low=0, high=100)
    if warm >= hot:
        raise tiers.error(f"warm must be below hot, got warm = {warm:g}, hot = {hot:g}")
    tiers.finish()
    table.finish()
    return PointsRules(
        behaviour=tuple(rules),
        seniority=tuple(seniority_points),
        industry_in_icp=industry,
        company_size_in_icp=size,
        region_in_icp=region,
        unsubscribed=unsubscribed,
        bounced=bounced,
        silence=tuple(sorted(silence, key=lambda s: s.after_days)),
        hot=hot,
        warm=warm,
    )
