"""Demographic family: seniority and job function parsed from the free-text job title.

Titles are messy ("VP of Mktg", "Dir. Sales Ops", "marketing manager  ", "CEO & Founder"), so each
title is first normalised (lower case, dotted abbreviations joined, punctuation to spaces) and then
matched against two ordered rule tables below. The first rule that matches wins, so the order is
the precedence: "Assistant to the CEO" is caught before "CEO", "Vice President" before "President",
"Engineering Manager" is a manager before it is an engineer.

Parsing runs on the distinct titles only and is mapped back, because titles repeat a lot.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import NamedTuple

import numpy as np
import pandas as pd

from features import columns
from features.catalog import FeatureSpec

SENIORITY_LABELS = ("c_level", "vp", "director", "manager", "individual_contributor", "unknown")
FUNCTION_LABELS = (
    "marketing", "sales", "it", "finance", "operations", "hr", "executive", "other", "unknown",
)

SPECS = (
    FeatureSpec("seniority", "demographic", "categorical", "Seniority (from job title)"),
    FeatureSpec("job_function", "demographic", "categorical", "Job function (from job title)"),
)


class TitleRule(NamedTuple):
    """One row of a rule table: titles matching ``pattern`` get ``label``; ``example`` is tested."""

    label: str
    pattern: str
    example: str


# Patterns run on the normalised title: lower case, "&" -> "and", other punctuation -> space,
# single spaces. Order is precedence: the first matching row decides.
SENIORITY_RULES: tuple[TitleRule, ...] = (
    # label                     pattern                                                  example
    TitleRule("individual_contributor", r"\b(intern|internship|trainee|apprentice|student)\b",
              "Marketing Intern"),
    TitleRule("individual_contributor", r"\b(assistant|secretary|pa|ea) to\b",
              "Executive Assistant to the CEO"),
    TitleRule("director", r"\bchief of staff\b", "Chief of Staff"),
    TitleRule("c_level", r"\bchief\b", "Chief Technology Officer"),
    TitleRule("c_level", r"\bc(e|f|t|i|o|m|r|s|p|c|d|x|hr|is|ai)o\b", "CFO"),
    TitleRule("c_level", r"\b(co )?founder\b|\bchair(man|woman|person)?\b|\bboard member\b",
              "CEO & Founder"),
    TitleRule("c_level", r"(?<!vice )\bpresident\b", "President"),
    TitleRule("c_level", r"(?<!product )(?<!process )(?<!account )(?<!data )(?<!service )"
              r"(?<!risk )\bowner\b", "Owner"),
    TitleRule("c_level", r"\bmanaging director\b|\b(managing|senior|general|founding|equity) "
              r"partner\b|^partner$", "Managing Director"),
    TitleRule("vp", r"\b(vp|svp|evp|avp|vice president)\b", "SVP Sales"),
    TitleRule("director", r"\b(director|dir|head|general manager|gm)\b", "Head of IT"),
    TitleRule("manager", r"\b(manager|mgr|mngr|managing|supervisor|superintendent|foreman|"
              r"controller)\b|\b(team|tech|group|squad|project) lead(er)?\b", "Team Lead"),
    TitleRule("individual_contributor",
              r"\b(engineer|developer|programmer|analyst|specialist|coordinator|associate|"
              r"consultant|representative|rep|executive|administrator|admin|assistant|designer|"
              r"architect|scientist|accountant|bookkeeper|officer|clerk|technician|agent|"
              r"advisor|adviser|writer|editor|copywriter|recruiter|staff|sdr|bdr|strategist|"
              r"planner|buyer|generalist|researcher|teacher|nurse|contributor|junior|jr|"
              r"marketer|operator|tester|dev|owner|business partner)\b", "Sr. Software Engineer"),
)

FUNCTION_RULES: tuple[TitleRule, ...] = (
    # Chief-X officers belong to their X; the remaining chiefs and owners run the whole company.
    TitleRule("marketing", r"\bcmo\b|\bchief (digital |growth )?marketing\b", "CMO"),
    TitleRule("sales", r"\b(cro|cso)\b|\bchief (revenue|sales|commercial)\b",
              "Chief Revenue Officer"),
    TitleRule("it", r"\b(cto|cio|ciso|cdo)\b|\bchief (technology|technical|information|"
              r"digital|data|security|information security)\b", "Chief Technology Officer"),
    TitleRule("finance", r"\bcfo\b|\bchief financ", "CFO"),
    TitleRule("operations", r"\bcoo\b|\bchief operat", "COO"),
    TitleRule("hr", r"\bchro\b|\bchief (people|human|talent)\b", "Chief People Officer"),
    TitleRule("executive", r"\b(ceo|cxo)\b|\bchief executive\b|\b(co )?founder\b|"
              r"(?<!vice )\bpresident\b|(?<!product )(?<!process )(?<!account )(?<!data )"
              r"(?<!service )(?<!risk )\bowner\b|\bmanaging (director|partner)\b|"
              r"\bgeneral manager\b|\bchair(man|woman|person)?\b|\bboard member\b",
              "CEO & Founder"),
    # Departments. Marketing and sales come first so "Sales Engineer" and "Marketing Ops" stay
    # with their team; HR before IT so "Technical Recruiter" is HR; IT before finance and
    # operations so "Finance Systems Developer" and "IT Operations" are IT.
    TitleRule("marketing", r"\b(marketing|marketer|mktg|mkt|mktng|brand|demand gen(eration)?|"
              r"growth|content|seo|sem|ppc|communications|comms|public relations|pr|"
              r"advertising|social media|campaigns?|digital media|events)\b", "VP of Mktg"),
    TitleRule("sales", r"\b(sales|business development|biz dev|bdr|sdr|account executive|"
              r"account manager|account director|revenue|channel|partnerships|commercial|"
              r"inside sales|presales)\b", "Dir. Sales Ops"),
    TitleRule("hr", r"\b(hr|human resources|people|talent|recruiting|recruiter|recruitment|"
              r"learning and development|l and d|benefits|compensation|hris|personnel)\b",
              "HR Business Partner"),
    TitleRule("it", r"\b(it|ict|information technology|technology|tech|technical|software|"
              r"engineer|engineering|developer|dev|devops|programmer|data|database|dba|"
              r"security|infosec|cyber ?security|network|systems|sysadmin|cloud|infrastructure|"
              r"architect|helpdesk|help desk|web|qa|platform|machine learning|ml|ai)\b",
              "IT Mgr"),
    TitleRule("finance", r"\b(finance|financial|accounting|accountant|accounts|controller|"
              r"comptroller|treasury|treasurer|fp and a|fpa|audit|auditor|tax|billing|"
              r"bookkeeper|payroll|investor relations)\b", "Financial Analyst"),
    TitleRule("operations", r"\b(operations|operational|ops|supply chain|logistics|procurement|"
              r"purchasing|facilities|office manager|administration|manufacturing|production|"
              r"plant|warehouse|fulfil?ment|quality)\b", "Operations Manager"),
)

_DOTTED = re.compile(r"\b(?:[a-z]\.){2,}")  # "v.p." / "c.e.o."
_ACCENTS = re.compile(r"[\u0300-\u036f]")  # combining marks left by NFKD ("Président")
_PUNCTUATION = re.compile(r"[^a-z0-9+#]+")


def _normalise_one(title: str) -> str:
    """Drop accents, lower case, join "v.p.", "&" -> "and", punctuation -> space, single spaces."""
    text = _ACCENTS.sub("", unicodedata.normalize("NFKD", title)).lower()
    text = _DOTTED.sub(lambda m: m.group(0).replace(".", ""), text)
    return _PUNCTUATION.sub(" ", text.replace("&", " and ")).strip()


def _compile(pattern: str) -> re.Pattern[str]:
    # Groups in the tables are for readability only; non-capturing ones match faster.
    return re.compile(re.sub(r"\((?!\?)", "(?:", pattern))


@functools.cache
def _compiled(rules: tuple[TitleRule, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((rule.label, _compile(rule.pattern)) for rule in rules)


def _apply_rules(norm: list[str], rules: tuple[TitleRule, ...], default: str) -> np.ndarray:
    """Label of the first matching rule per normalised title; ``default`` when none match."""
    compiled = _compiled(rules)
    out = []
    for text in norm:
        out.append(next((label for label, pattern in compiled if pattern.search(text)), default))
    return np.array(out, dtype=object)


def _parse_texts(uniques: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(seniority, function) of distinct raw titles. Blank ones (only punctuation) are unknown."""
    norm = [_normalise_one(t) for t in uniques]
    seniority = _apply_rules(norm, SENIORITY_RULES, "unknown")
    function = _apply_rules(norm, FUNCTION_RULES, "other")
    # A title that names no level and no function is unparseable, not "other".
    function = np.where((seniority == "unknown") & (function == "other"), "unknown", function)
    blank = np.array([t == "" for t in norm], dtype=bool)
    return np.where(blank, "unknown", seniority), np.where(blank, "unknown", function)


# Titles repeat a lot (and a service sees the same ones all day): parse each distinct text once.
_PARSED: dict[str, tuple[str, str]] = {}
_PARSED_LIMIT = 200_000


def _remember(new: list[str]) -> None:
    """Parse titles not seen before and keep the answers."""
    seniority, function = _parse_texts(new)
    if len(_PARSED) + len(new) > _PARSED_LIMIT:
        _PARSED.clear()
    _PARSED.update(zip(new, zip(seniority.tolist(), function.tolist(), strict=True), strict=True))


def parse_seniority(titles: pd.Series) -> pd.Series:
    """Seniority level of each job title, one of SENIORITY_LABELS, indexed like ``titles``.

    Missing, blank and unparseable titles are "unknown".
    """
    seniority, _ = parse_title_values(titles.to_numpy(dtype=object))
    return pd.Series(seniority, index=titles.index, dtype="str")


def parse_function(titles: pd.Series) -> pd.Series:
    """Job function of each job title, one of FUNCTION_LABELS, indexed like ``titles``.

    "other" is a recognisable title with no known function ("Product Designer"); "unknown" is a
    missing, blank or unparseable one.
    """
    _, function = parse_title_values(titles.to_numpy(dtype=object))
    return pd.Series(function, index=titles.index, dtype="str")


def parse_title_values(titles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(seniority, function) per title of an object array; missing titles are "unknown"."""
    gone = columns.missing(titles)
    texts = [None if m else str(t) for t, m in zip(titles.tolist(), gone.tolist(), strict=True)]
    new = [t for t in dict.fromkeys(texts) if t is not None and t not in _PARSED]
    if new:
        _remember(new)
    unknown = ("unknown", "unknown")
    pairs = [unknown if t is None else _PARSED[t] for t in texts]
    return (np.array([p[0] for p in pairs], dtype=object),
            np.array([p[1] for p in pairs], dtype=object))


def demographic_columns(leads: columns.Columns, n: int) -> dict[str, np.ndarray]:
    """``seniority`` and ``job_function`` from the leads table's ``job_title`` column."""
    seniority, function = parse_title_values(columns.get(leads, "job_title", n))
    return {"seniority": seniority, "job_function": function}


def demographic_features(leads: pd.DataFrame) -> pd.DataFrame:
    """Return ``seniority`` and ``job_function`` parsed from ``job_title``, indexed like ``leads``.

    Without a ``job_title`` column both are "unknown" for every lead. ``leads`` is not modified.
    """
    cols = demographic_columns(columns.from_frame(leads), len(leads))
    return columns.to_frame(cols, leads.index, ["seniority", "job_function"],
                            ["seniority", "job_function"])
