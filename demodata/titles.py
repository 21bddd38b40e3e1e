"""Who the demo leads are: the leads table of the demo history (``draw_leads``) with its messy
job titles and their canonical labels, departments, companies, countries, declared BANT fields
and fake contact data. ``demodata.events`` adds what the leads do and how they convert.

``TITLE_VARIANTS`` is the ground truth for the title parser (``features.demographics``): every
variant is written the way people type it into a form (abbreviations, ALL CAPS, trailing spaces)
but stays unambiguous for a sensible keyword parser:

- "Chief ...", "CxO", "Founder", "Owner", "President" -> ``c_level``
- "VP", "SVP", "EVP", "Vice President" -> ``vp``
- "Director", "Dir.", "Head of" -> ``director`` (also "Senior Director")
- "Manager", "Mgr" -> ``manager``
- engineers, analysts, specialists, coordinators, representatives, interns, ... (also "Sr." and
  "Senior" ones) -> ``individual_contributor``
- junk ("n/a", "-", "test") -> ``unknown`` level and ``unknown`` function

Functions: a recognisable title that names no department ("Consultant") is ``other``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features import vocab

SENIORITY_LABELS = ("c_level", "vp", "director", "manager", "individual_contributor", "unknown")
FUNCTION_LABELS = (
    "marketing", "sales", "it", "finance", "operations", "hr", "executive", "other", "unknown",
)

# (title as written, canonical seniority, canonical function)
TITLE_VARIANTS: tuple[tuple[str, str, str], ...] = (
    # c_level
    ("CEO", "c_level", "executive"),
    ("CEO & Founder", "c_level", "executive"),
    ("FOUNDER & CEO", "c_level", "executive"),
    ("Founder", "c_level", "executive"),
    ("founder", "c_level", "executive"),
    ("Co-Founder", "c_level", "executive"),
    ("Owner", "c_level", "executive"),
    ("President", "c_level", "executive"),
    ("Chief Executive Officer", "c_level", "executive"),
    ("Chief Technology Officer", "c_level", "it"),
    ("CTO", "c_level", "it"),
    ("CIO", "c_level", "it"),
    ("Chief Information Officer", "c_level", "it"),
    ("CFO", "c_level", "finance"),
    ("Chief Financial Officer", "c_level", "finance"),
    ("CMO", "c_level", "marketing"),
    ("Chief Marketing Officer", "c_level", "marketing"),
    ("Chief Revenue Officer", "c_level", "sales"),
    ("COO", "c_level", "operations"),
    ("Chief Operating Officer", "c_level", "operations"),
    ("Chief People Officer", "c_level", "hr"),
    # vp
    ("VP of Mktg", "vp", "marketing"),
    ("VP Marketing", "vp", "marketing"),
    ("VICE PRESIDENT MARKETING", "vp", "marketing"),
    ("vp sales", "vp", "sales"),
    ("VP SALES", "vp", "sales"),
    ("Vice President, Sales", "vp", "sales"),
    ("VP Engineering", "vp", "it"),
    ("VP, Information Technology", "vp", "it"),
    ("SVP Finance", "vp", "finance"),
    ("EVP Operations", "vp", "operations"),
    ("Vice President of Human Resources", "vp", "hr"),
    # director
    ("Head of IT", "director", "it"),
    ("Head of Marketing", "director", "marketing"),
    ("head of marketing", "director", "marketing"),
    ("Head of Sales", "director", "sales"),
    ("Head of HR", "director", "hr"),
    ("Head of Operations", "director", "operations"),
    ("Dir. Sales Ops", "director", "sales"),
    ("Director, Finance", "director", "finance"),
    ("Finance Director", "director", "finance"),
    ("Director of Marketing", "director", "marketing"),
    ("Marketing Director", "director", "marketing"),
    ("Senior Director, Sales", "director", "sales"),
    ("IT Director", "director", "it"),
    ("DIRECTOR OF IT", "director", "it"),
    ("Director of Operations", "director", "operations"),
    ("HR Director", "director", "hr"),
    # manager
    ("marketing manager ", "manager", "marketing"),
    ("Marketing Manager", "manager", "marketing"),
    ("MARKETING MANAGER", "manager", "marketing"),
    ("Mktg Mgr", "manager", "marketing"),
    ("Product Marketing Manager", "manager", "marketing"),
    ("Digital Marketing Mgr", "manager", "marketing"),
    ("Sales Manager", "manager", "sales"),
    (" Sales Manager", "manager", "sales"),
    ("IT Mgr", "manager", "it"),
    ("IT MANAGER", "manager", "it"),
    ("Engineering Manager", "manager", "it"),
    ("Finance Manager", "manager", "finance"),
    ("Operations Manager", "manager", "operations"),
    ("HR Manager", "manager", "hr"),
    ("Office Manager", "manager", "operations"),
    # individual_contributor
    ("Sr. Software Engineer", "individual_contributor", "it"),
    ("Software Engineer", "individual_contributor", "it"),
    ("software engineer", "individual_contributor", "it"),
    ("SOFTWARE ENGINEER", "individual_contributor", "it"),
    ("Senior Data Engineer", "individual_contributor", "it"),
    ("Network Engineer", "individual_contributor", "it"),
    ("Systems Administrator", "individual_contributor", "it"),
    ("Developer", "individual_contributor", "it"),
    ("Marketing Coordinator", "individual_contributor", "marketing"),
    ("Marketing Specialist", "individual_contributor", "marketing"),
    ("Marketing Analyst", "individual_contributor", "marketing"),
    ("Marketing Intern", "individual_contributor", "marketing"),
    ("Sales Representative", "individual_contributor", "sales"),
    ("Sales Development Rep", "individual_contributor", "sales"),
    ("Sales Associate", "individual_contributor", "sales"),
    ("Senior Financial Analyst", "individual_contributor", "finance"),
    ("Accountant", "individual_contributor", "finance"),
    ("Sr. Accountant", "individual_contributor", "finance"),
    ("Operations Analyst", "individual_contributor", "operations"),
    ("Recruiter", "individual_contributor", "hr"),
    ("HR Generalist", "individual_contributor", "hr"),
    ("Consultant", "individual_contributor", "other"),
    ("Intern", "individual_contributor", "other"),
    ("intern", "individual_contributor", "other"),
    # junk people type into a required field
    ("n/a", "unknown", "unknown"),
    ("-", "unknown", "unknown"),
    ("test", "unknown", "unknown"),
)

# Share of non-blank titles at each level; small companies have more founders and owners.
SENIORITY_SHARE = {
    "c_level": 0.09, "vp": 0.08, "director": 0.15, "manager": 0.28,
    "individual_contributor": 0.37, "unknown": 0.03,
}
SMALL_COMPANY_C_LEVEL_BOOST = 4.0

DEPARTMENT_OF_FUNCTION = {
    "marketing": ("Marketing", "marketing", "Growth"),
    "sales": ("Sales", "Revenue", "SALES"),
    "it": ("IT", "Engineering", "Technology"),
    "finance": ("Finance", "Accounting"),
    "operations": ("Operations", "Ops"),
    "hr": ("Human Resources", "HR", "People"),
    "executive": ("Executive", "Management"),
    "other": ("Other", "General"),
    "unknown": ("Other",),
}

SOURCE_SHARE = {
    "organic_search": 0.25, "paid_search": 0.20, "email": 0.12, "outbound": 0.10, "direct": 0.09,
    "social": 0.08, "event": 0.07, "referral": 0.06, "partner": 0.018,
}
SOURCE_INTENT_SHIFT = {"referral": 0.35, "event": 0.2, "partner": 0.2, "paid_search": -0.15,
                       "social": -0.3}  # hidden intent is higher for referrals, lower for social
INDUSTRY_SHARE = {
    "software": 0.22, "financial_services": 0.12, "manufacturing": 0.12, "professional_services":
    0.11, "healthcare": 0.10, "retail": 0.09, "education": 0.07, "media": 0.05, "logistics": 0.04,
    "energy": 0.017, "government": 0.015, "nonprofit": 0.012,
}
REVENUE_PER_EMPLOYEE = {  # USD per employee and year
    "software": 250e3, "financial_services": 400e3, "healthcare": 150e3, "manufacturing": 300e3,
    "retail": 200e3, "education": 80e3, "professional_services": 180e3, "media": 220e3,
    "logistics": 250e3, "energy": 600e3, "government": 120e3, "nonprofit": 70e3,
}
COUNTRY_SHARE = {  # ISO 3166 alpha-2
    "US": 0.36, "GB": 0.10, "DE": 0.07, "CA": 0.06, "FR": 0.05, "IN": 0.05, "AU": 0.04,
    "NL": 0.03, "BR": 0.025, "SG": 0.02, "ES": 0.02, "IE": 0.012, "SE": 0.015, "IT": 0.015,
    "JP": 0.015, "MX": 0.015, "CH": 0.01, "PL": 0.008, "ZA": 0.008, "AE": 0.008, "DK": 0.006,
    "NZ": 0.006, "NG": 0.005, "KR": 0.005, "AR": 0.004, "KE": 0.003, "PT": 0.003, "IL": 0.003,
}

FIRST_NAMES = (
    "Alex", "Maria", "James", "Priya", "Chen", "Fatima", "Lukas", "Sofia", "Kwame", "Yuki",
    "Olivia", "Mateo", "Aisha", "Noah", "Emma", "Ravi", "Ingrid", "Diego", "Hannah", "Omar",
    "Grace", "Pierre", "Zanele", "Liam", "Mei", "Carlos", "Anna", "Tomasz", "Leila", "Jonas",
)
LAST_NAMES = (
    "Smith", "Garcia", "Müller", "Patel", "Wang", "Okafor", "Johansson", "Rossi", "Kim", "Silva",
    "Brown", "Nguyen", "Dubois", "Tanaka", "Cohen", "Kowalski", "Mensah", "Haddad", "Jones",
    "Martin", "O'Neil", "van Dijk", "Fernández", "Schmidt", "Singh", "Andersson", "Lopez", "Ali",
)
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")
PAIN_POINTS = ("reporting automation", "pipeline visibility", "data integration", "compliance",
               "cost reduction")
RESEARCHING = "just researching"  # the pain point that says there is none
BLANK_SHARE = {"industry": 0.06, "company_size": 0.12, "annual_revenue": 0.30, "country": 0.05,
               "job_title": 0.08, "department": 0.85, "budget": 0.65,
               "purchase_timeframe": 0.50, "pain_point": 0.45}


def _key(titles: pd.Series) -> pd.Series:
    return titles.astype("str").str.strip().str.casefold()


def title_weights(small_company: bool) -> np.ndarray:
    """Sampling weight of each ``TITLE_VARIANTS`` row (sums to 1)."""
    levels = np.array([s for _, s, _ in TITLE_VARIANTS])
    share = dict(SENIORITY_SHARE)
    if small_company:
        share["c_level"] *= SMALL_COMPANY_C_LEVEL_BOOST
    weights = np.array([share[s] / np.count_nonzero(levels == s) for s in levels])
    return weights / weights.sum()


def choice(rng: np.random.Generator, shares: dict[str, float], n: int) -> np.ndarray:
    """``n`` keys of ``shares`` drawn with probabilities proportional to the values."""
    keys = np.array(list(shares), dtype=object)
    p = np.array(list(shares.values()))
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


def softmax_choice(rng: np.random.Generator, logits: np.ndarray) -> np.ndarray:
    """One category per row of ``logits`` (n, k), drawn with softmax probabilities (Gumbel-max)."""
    return np.argmax(logits + rng.gumbel(size=logits.shape), axis=1)


def _blank(rng: np.random.Generator, values: np.ndarray, column: str) -> np.ndarray:
    out = values.astype(object)
    out[rng.random(len(out)) < BLANK_SHARE[column]] = None
    return out


def _round_sig(x: np.ndarray, digits: int) -> np.ndarray:
    scale = 10.0 ** (np.floor(np.log10(np.maximum(x, 1.0))) - digits + 1)
    return np.round(x / scale) * scale


def _departments(rng: np.random.Generator, functions: np.ndarray) -> np.ndarray:
    """A department name (free text) matching each canonical function."""
    department = np.empty(len(functions), dtype=object)
    for function, names in DEPARTMENT_OF_FUNCTION.items():  # a loop over 9 labels, not leads
        rows = np.flatnonzero(functions == function)
        department[rows] = np.array(names, dtype=object)[rng.integers(len(names), size=len(rows))]
    return department


def _contacts(rng: np.random.Generator, lead_ids: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Fake ``email`` (unique: it carries the lead number) and ``full_name`` per lead."""
    n = len(lead_ids)
    first = pd.Series(np.array(FIRST_NAMES)[rng.integers(len(FIRST_NAMES), size=n)])
    last = pd.Series(np.array(LAST_NAMES)[rng.integers(len(LAST_NAMES), size=n)])
    domain = np.array(EMAIL_DOMAINS)[rng.integers(len(EMAIL_DOMAINS), size=n)]
    ascii_last = (last.str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
                  .str.lower().str.replace(r"[^a-z]", "", regex=True))
    number = lead_ids.reset_index(drop=True).str[1:].str.lstrip("0")
    email = first.str.lower() + "." + ascii_last + number + "@" + domain
    return email.astype("str"), (first + " " + last).astype("str")


def draw_leads(rng: np.random.Generator, mql_at: pd.Series) -> tuple[pd.DataFrame, np.ndarray]:
    """The leads table (contract columns, ``lead_id`` L000001... in the order of ``mql_at``) and
    each lead's hidden intent (standard normal, shifted by source).

    Skewed, correlated firmographics (log-normal size, revenue = size x revenue per employee of
    the industry x noise), titles by seniority share (small companies have more founders), budget
    growing with size, timeframe and pain point leaning on intent, blanks per ``BLANK_SHARE``.
    """
    n = len(mql_at)
    source = choice(rng, SOURCE_SHARE, n)
    intent = rng.normal(size=n) + pd.Series(source).map(SOURCE_INTENT_SHIFT).fillna(0.0).to_numpy()

    industry = _blank(rng, choice(rng, INDUSTRY_SHARE, n), "industry")
    log_size = np.clip(rng.normal(1.9, 0.8, n), 0.0, 5.5)
    size = np.maximum(np.round(10.0 ** log_size), 1.0)
    per_employee = pd.Series(industry).map(REVENUE_PER_EMPLOYEE).fillna(200e3).to_numpy()
    revenue = _round_sig(size * per_employee * rng.lognormal(0.0, 0.45, n), 3)

    title = np.where(size < 50, rng.choice(len(TITLE_VARIANTS), n, p=title_weights(True)),
                     rng.choice(len(TITLE_VARIANTS), n, p=title_weights(False)))
    titles = _blank(rng, np.array([t for t, _, _ in TITLE_VARIANTS], dtype=object)[title],
                    "job_title")
    department = _departments(rng, np.array([f for _, _, f in TITLE_VARIANTS])[title])
    department[pd.isna(titles)] = None

    budget = _round_sig(10.0 ** (3.3 + 0.35 * log_size + 0.05 * intent + rng.normal(0, 0.45, n)), 2)
    timeframe_logits = np.column_stack([0.5 * intent - 0.2, 0.2 * intent + 0.3, np.full(n, 0.3),
                                        -0.25 * intent - 0.1, -0.4 * intent - 0.6])
    timeframe = np.array(vocab.PURCHASE_TIMEFRAMES, dtype=object)[
        softmax_choice(rng, timeframe_logits)]
    specific = np.array(PAIN_POINTS, dtype=object)[
        rng.choice(len(PAIN_POINTS), n, p=[0.28, 0.27, 0.2, 0.1, 0.15])]
    researching = rng.random(n) < 1.0 / (1.0 + np.exp(1.3 + 0.4 * intent))
    pain = np.where(researching, RESEARCHING, specific)

    lead_ids = pd.Series(np.arange(1, n + 1)).astype("str").str.zfill(max(6, len(str(n)))).radd("L")
    email, full_name = _contacts(rng, lead_ids)
    leads = pd.DataFrame({
        "lead_id": lead_ids,
        "mql_at": mql_at.reset_index(drop=True),
        "source": source,
        "industry": industry,
        "company_size": pd.array(np.where(rng.random(n) < BLANK_SHARE["company_size"], np.nan,
                                          size), dtype="Int64"),
        "annual_revenue": np.where(rng.random(n) < BLANK_SHARE["annual_revenue"], np.nan, revenue),
        "country": _blank(rng, choice(rng, COUNTRY_SHARE, n), "country"),
        "job_title": titles,
        "department": _blank(rng, department, "department"),
        "budget": np.where(rng.random(n) < BLANK_SHARE["budget"], np.nan, budget),
        "purchase_timeframe": _blank(rng, timeframe, "purchase_timeframe"),
        "pain_point": _blank(rng, pain, "pain_point"),
        "email": email,
        "full_name": full_name,
    })
    for column in leads.columns.drop(["mql_at", "company_size", "annual_revenue", "budget"]):
        leads[column] = leads[column].astype("str")
    return leads, intent


def title_labels(titles: pd.Series) -> pd.DataFrame:
    """Canonical ``seniority`` and ``function`` of each title, looked up in ``TITLE_VARIANTS``.

    The lookup ignores case and surrounding spaces. Blank titles and titles not in the table are
    ``unknown``. Indexed like ``titles``.
    """
    table = pd.DataFrame(TITLE_VARIANTS, columns=["title", "seniority", "function"])
    table = table.assign(key=_key(table["title"])).drop_duplicates("key").set_index("key")
    keys = _key(titles)
    seniority = keys.map(table["seniority"]).fillna("unknown").astype("str")
    function = keys.map(table["function"]).fillna("unknown").astype("str")
    return pd.DataFrame({"seniority": seniority.to_numpy(), "function": function.to_numpy()},
                        index=titles.index)
