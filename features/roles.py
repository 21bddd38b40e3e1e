"""Column roles of a flat export: inferred, printed as a table, saved as ``mapping.yaml``, edited.

Roles: ``id`` (kept in outputs, never a feature), ``label`` (the outcome column), ``timestamp``
(the one named ``time_column`` drives an out-of-time split; none is a feature), ``categorical``,
``numeric``, ``boolean`` (yes/no, true/false, 1/0 -> 1/0), ``text`` (free text: not used as a
feature) and ``ignore``.

The :class:`Mapping` also holds what training learns about the columns (the category vocabulary of
each categorical column), so scoring reproduces training exactly; it travels in the model card.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from features.contact import contact_kind, mask, mask_value
from features.contract import ContractError
from features.dates import ORDERS, parse_dates

ROLES = ("id", "label", "timestamp", "categorical", "numeric", "boolean", "text", "ignore")
FEATURE_ROLES = ("categorical", "numeric", "boolean")
DEFAULT_PLACEHOLDERS = ("Select", "N/A", "NA", "n/a", "-", "--", "", "null", "NULL", "None",
                        "none", "?", "Unknown", "unknown", "not provided")
TRUE_WORDS = ("yes", "y", "true", "t", "1", "1.0")
FALSE_WORDS = ("no", "n", "false", "f", "0", "0.0")
# Label spellings the product knows without being told (lower case): positive -> negatives.
KNOWN_LABELS = {
    "1": ("0",), "1.0": ("0.0",), "yes": ("no",), "y": ("n",), "true": ("false",),
    "t": ("f",), "converted": ("not converted", "not_converted", "unconverted", "no"),
}
ID_WORDS = {"id", "number", "no", "key", "uuid", "identifier", "nr"}
TIME_WORDS = {"date", "time", "at", "created", "timestamp", "day", "mql"}
_NUMBER = re.compile(r"^[-+]?(\d+|\d{1,3}(,\d{3})+)?(\.\d+)?([eE][-+]?\d+)?$")
_NUMBER_COMMA = re.compile(r"^[-+]?(\d+|\d{1,3}(\.\d{3})+)?(,\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}([ T].*)?$|^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}([ T].*)?$")


def tokens(name: str) -> list[str]:
    """Words of a column name: ``"LastNotableActivity"``, ``"last_notable activity"`` ->
    ``["last", "notable", "activity"]``."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(name))
    return [t for t in re.split(r"[^a-z0-9]+", spaced.lower()) if t]


@dataclass
class Mapping:
    """How to read a flat export: each column's role, the label, placeholders, and (after
    training) the category vocabularies.

    Attributes:
        roles: column name -> role, in file order.
        target: the label column.
        positive: the label value meaning "converted" (None: a known spelling such as 1/yes/true).
        id_column, time_column: optional; the time column drives an out-of-time split.
        placeholders: values meaning "not answered" (compared case-sensitively after stripping).
        decimal: ``"."`` or ``","`` (decimal commas in Excel exports).
        date_order: ``"dayfirst"`` or ``"monthfirst"`` for ``a/b/yyyy`` dates in the time
            column (None: decided from its values; training records what it decided).
        min_category_count: a category seen fewer times in training becomes ``OTHER``.
        max_categories: at most this many categories per column (the most frequent); the rest
            become ``OTHER`` (HistGradientBoosting accepts at most 255 per feature).
        vocabularies: learned at training: column -> the categories kept.
    """

    roles: dict[str, str]
    target: str | None = None
    positive: str | None = None
    id_column: str | None = None
    time_column: str | None = None
    placeholders: tuple[str, ...] = DEFAULT_PLACEHOLDERS
    decimal: str = "."
    date_order: str | None = None
    min_category_count: int = 20
    max_categories: int = 200
    vocabularies: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        bad = {c: r for c, r in self.roles.items() if r not in ROLES}
        if bad:
            raise ContractError(f"mapping: unknown role(s) {bad}; roles are {', '.join(ROLES)}")
        self.placeholders = tuple(str(p) for p in self.placeholders)
        if self.date_order is not None and self.date_order not in ORDERS:
            raise ContractError(f"mapping: date_order {self.date_order!r} is not one of "
                                f"{', '.join(ORDERS)}")
        for name, role in (("id_column", "id"), ("time_column", "timestamp"), ("target", "label")):
            column = getattr(self, name)
            if column is not None and column not in self.roles:
                raise ContractError(f"mapping: {name} {column!r} is not a column "
                                    f"(columns: {', '.join(self.roles)})")
            if column is not None:
                self.roles[column] = role

    def columns(self, *roles: str) -> list[str]:
        return [c for c, r in self.roles.items() if r in roles]

    @property
    def numeric(self) -> list[str]:
        """Model inputs that are numbers (numeric and boolean columns), in file order."""
        return self.columns("numeric", "boolean")

    @property
    def categorical(self) -> list[str]:
        return self.columns("categorical")

    @property
    def features(self) -> list[str]:
        return self.columns(*FEATURE_ROLES)

    def with_roles(self, **changes: Any) -> Mapping:
        return replace(self, roles=dict(self.roles), **changes)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["placeholders"] = list(self.placeholders)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Mapping:
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known - {"columns"}
        if unknown:
            raise ContractError(f"mapping: unknown key(s) {sorted(unknown)}")
        data = dict(data)
        roles = data.pop("roles", None) or data.pop("columns", None)
        if not isinstance(roles, dict):
            raise ContractError("mapping: needs a 'columns' section (column: role)")
        data.pop("columns", None)
        data["roles"] = {str(k): str(v) for k, v in roles.items()}
        if "placeholders" in data:
            data["placeholders"] = tuple("" if p is None else str(p) for p in data["placeholders"])
        if data.get("positive") is not None:
            data["positive"] = str(data["positive"])
        return cls(**data)

    def to_yaml(self) -> str:
        """The mapping as commented YAML a person edits (vocabularies are not written)."""
        import yaml

        head = {k: getattr(self, k) for k in ("target", "positive", "id_column", "time_column",
                                              "date_order", "decimal", "min_category_count",
                                              "max_categories")}
        body = yaml.safe_dump(head, sort_keys=False, allow_unicode=True)
        body += yaml.safe_dump({"placeholders": list(self.placeholders)}, allow_unicode=True,
                               default_flow_style=None)
        body += yaml.safe_dump({"columns": self.roles}, sort_keys=False, allow_unicode=True)
        return ("# leadconv column mapping. Roles: " + ", ".join(ROLES) + ".\n"
                "# Edit a role and pass the file back with --mapping mapping.yaml.\n"
                "# text and ignore columns are not used; timestamp columns only for the split.\n"
                + body)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_yaml(), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> Mapping:
        import yaml

        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ContractError(f"{path}: cannot read the mapping: {exc}") from exc
        if not isinstance(data, dict):
            raise ContractError(f"{path}: a mapping file is a YAML dictionary")
        try:
            return cls.from_dict(data)
        except (TypeError, ContractError) as exc:
            raise ContractError(f"{path}: {exc}") from exc


# --- values -------------------------------------------------------------------------------------
def blank_placeholders(series: pd.Series, placeholders: tuple[str, ...]) -> pd.Series:
    """Text with placeholders ("Select", "N/A", "-", ...) turned into missing values."""
    text = series.astype("str").where(series.notna()).str.strip()
    return text.where(~text.isin(set(placeholders)) & text.ne(""))


def parse_numbers(series: pd.Series, decimal: str = ".") -> pd.Series:
    """Numbers from text: ``"1,234.5"``, ``"$40,000"``, ``"12%"``; with ``decimal=","`` also
    ``"1.234,5"`` and ``"1,5"``. Unparsable text becomes NaN."""
    text = series.astype("str").where(series.notna()).str.replace(r"[$€£%\s\u00a0']", "",
                                                                   regex=True)
    if decimal == ",":
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        text = text.str.replace(",", "", regex=False)
    return pd.to_numeric(text, errors="coerce").astype("float64")


def parse_booleans(series: pd.Series) -> pd.Series:
    """yes/no, true/false, y/n, 1/0 (any case) -> 1.0/0.0; anything else NaN."""
    lower = series.astype("str").where(series.notna()).str.strip().str.lower()
    return pd.Series(np.select([lower.isin(TRUE_WORDS).to_numpy(),
                                lower.isin(FALSE_WORDS).to_numpy()], [1.0, 0.0], np.nan),
                     index=series.index)


POSITIVE_LOOKING = ("converted", "won", "closed won", "closed_won", "sql", "qualified",
                    "success", "positive", *TRUE_WORDS)


def _positive_set(positive: str, values: list[str]) -> set[str]:
    """``--positive`` as a set of label values: one value, or several separated by commas."""
    wanted = str(positive).strip().lower()
    if wanted in values or "," not in wanted:
        return {wanted}
    return {v.strip() for v in wanted.split(",") if v.strip()}


def parse_labels(series: pd.Series, positive: str | None = None,
                 placeholders: tuple[str, ...] = DEFAULT_PLACEHOLDERS) -> pd.Series:
    """The label column as 1.0 (converted) / 0.0 / NaN (blank: left out of training, counted).

    Known spellings: 1/0, yes/no, true/false, y/n, converted/not converted (any case). Anything
    else needs ``positive``: the value meaning converted (or several, comma-separated: ``1,yes``
    for a column mixing 0/1 and yes/no); every other value is then 0. A suggestion in an error
    never names a value that would invert the label.

    Raises:
        ContractError: the values are ambiguous, naming the column, its values and the option.
    """
    text = blank_placeholders(series, placeholders)
    lower = text.str.lower()
    values = sorted(lower.dropna().unique().tolist())
    name = series.name
    if positive is not None:
        wanted = _positive_set(positive, values)
        if not wanted <= set(values):
            raise ContractError(f"label column {name!r}: --positive {positive!r} is not one of its "
                                f"values ({', '.join(map(repr, values[:10]))})")
        return pd.Series(np.where(lower.isna(), np.nan, lower.isin(wanted).astype(float)),
                         index=series.index, name=name)
    for pos, negatives in KNOWN_LABELS.items():
        if set(values) <= {pos, *negatives} and 1 <= len(values) <= 2:
            return pd.Series(np.where(lower.isna(), np.nan, (lower == pos).astype(float)),
                             index=series.index, name=name)
    shown = ", ".join(map(repr, values[:10])) + (" ..." if len(values) > 10 else "")
    yes_no = set(TRUE_WORDS) | set(FALSE_WORDS)
    if values and set(values) <= yes_no:
        positives = ",".join(v for v in values if v in TRUE_WORDS)
        raise ContractError(
            f"label column {name!r} mixes spellings of yes/no: {shown}. If {positives} mean "
            f"converted, pass --positive {positives} (every other value then counts as not "
            f"converted; blanks are left out), or clean the column")
    looks = [v for v in POSITIVE_LOOKING if v in values]
    example = f"--positive {looks[0]!r}" if looks else "--positive VALUE"
    raise ContractError(
        f"label column {name!r} is ambiguous: its values are {shown}. Say which value means "
        f"converted, e.g. {example} (several: comma-separated; every other value then counts "
        f"as not converted; blanks are left out)")


# --- inference ----------------------------------------------------------------------------------
def _share(mask: pd.Series) -> float:
    return float(mask.mean()) if len(mask) else 0.0


def infer_role(name: str, values: pd.Series, n_rows: int, decimal: str) -> str:
    """The role of one column from its name and its non-missing text ``values``."""
    if values.empty or values.nunique() <= 1:
        return "ignore"
    lower = values.str.lower()
    distinct = values.nunique()
    if set(lower.unique()) <= set(TRUE_WORDS) | set(FALSE_WORDS) and distinct <= 2:
        return "boolean"
    pattern = _NUMBER_COMMA if decimal == "," else _NUMBER
    cleaned = values.str.replace(r"[$€£%\s\u00a0']", "", regex=True)
    if _share(cleaned.str.match(pattern) & cleaned.ne("")) >= 0.98:
        if distinct == len(values) == n_rows and set(tokens(name)) & ID_WORDS:
            return "id"
        return "numeric"
    if _share(values.str.match(_DATE)) >= 0.98:
        try:
            parsed = parse_dates(values, name)
        except ContractError:  # dates whose day/month order is unclear: said when parsed
            return "timestamp"
        if _share(pd.Series(~parsed.bad)) >= 0.98:
            return "timestamp"
    words = values.str.count(r"\s+") + 1
    if distinct > 0.5 * len(values) and words.mean() >= 3:
        return "text"
    if distinct == len(values) == n_rows:
        return "id" if set(tokens(name)) & ID_WORDS else "ignore"
    return "categorical"


def infer_mapping(frame: pd.DataFrame, target: str, *, id_column: str | None = None,
                  time_column: str | None = None, positive: str | None = None,
                  placeholders: tuple[str, ...] = DEFAULT_PLACEHOLDERS,
                  decimal: str = ".") -> Mapping:
    """Infer each column's role (see the module doc); explicit arguments win.

    A unique identifier column becomes the id when ``id_column`` is not given (the first one
    whose name says id/number/key); a single date column becomes the time column.
    """
    if target not in frame.columns:
        raise ContractError(f"--target {target!r} is not a column (columns: "
                            f"{', '.join(frame.columns)})")
    for option, column in (("--id-column", id_column), ("--time-column", time_column)):
        if column is not None and column not in frame.columns:
            raise ContractError(f"{option} {column!r} is not a column")
    roles: dict[str, str] = {}
    for name in frame.columns:
        if name == target:
            roles[name] = "label"
            continue
        values = blank_placeholders(frame[name], placeholders).dropna()
        roles[name] = infer_role(name, values, len(frame), decimal)
    if id_column is None:
        ids = [c for c, r in roles.items() if r == "id"]
        id_column = ids[0] if ids else None
    for name in roles:  # only one id; other unique columns are ignored
        if roles[name] == "id" and name != id_column:
            roles[name] = "ignore"
    if time_column is None:
        stamps = [c for c, r in roles.items() if r == "timestamp"]
        named = [c for c in stamps if set(tokens(c)) & TIME_WORDS]
        time_column = stamps[0] if len(stamps) == 1 else (named[0] if len(named) == 1 else None)
    return Mapping(roles, target=target, positive=positive, id_column=id_column,
                   time_column=time_column, placeholders=tuple(placeholders), decimal=decimal)


def role_table(frame: pd.DataFrame, mapping: Mapping, examples: int = 3) -> pd.DataFrame:
    """column, role, example values, missing % (placeholders count as missing), distinct."""
    rows = []
    for name, role in mapping.roles.items():
        values = blank_placeholders(frame[name], mapping.placeholders) if name in frame else (
            pd.Series(dtype="str"))
        seen = values.dropna()
        top = seen.value_counts().index[:examples]
        kind = contact_kind(name, seen.head(200))
        sample = ", ".join(mask(v, kind) if kind else mask_value(v)[:24] for v in top)
        rows.append({"column": name, "role": role, "examples": sample,
                     "missing_pct": round(100 * float(values.isna().mean()), 1) if len(values)
                     else 100.0, "distinct": int(seen.nunique())})
    return pd.DataFrame(rows, columns=["column", "role", "examples", "missing_pct", "distinct"])


def format_role_table(table: pd.DataFrame, mapping: Mapping) -> str:
    width = max([len(c) for c in table["column"]] + [6])
    lines = [f"{'column':<{width}}  {'role':<18}  {'missing':>7}  {'distinct':>8}  examples"]
    for r in table.itertuples():
        mark = {mapping.id_column: " (id)", mapping.time_column: " (time)"}.get(r.column, "")
        lines.append(f"{r.column:<{width}}  {r.role + mark:<18}  {r.missing_pct:>6.1f}%  "
                     f"{r.distinct:>8,}  {r.examples}")
    return "\n".join(lines)


__all__ = ["Mapping", "ROLES", "DEFAULT_PLACEHOLDERS", "infer_mapping", "role_table",
           "format_role_table", "parse_labels", "parse_numbers", "parse_booleans",
           "blank_placeholders", "tokens"]
