"""Reasons in sales words: one short sentence per feature value, in business units.

"Requested a demo in the last 7 days", "Budget $40,000 meets the $25,000 threshold", "No activity
for 41 days". The sentence states the lead's value; the direction (up or down) and the size of its
effect stay in the reason's ``contribution`` next to it. Thresholds come from the rules file, so
the words follow what marketing and sales agreed. A feature without a sentence of its own (a flat
export's columns) reads "label: value".
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from features.rules import Rules, normalise_answer
from features.words import count, money, plain

# Activity type -> (what one occurrence says, what n say, the noun when there were none).
ACTIVITY_WORDS = {
    "page_view": ("Viewed 1 page", "Viewed {n} pages", "page views"),
    "pricing_page_view": ("Viewed the pricing page", "Viewed the pricing page {n} times",
                          "pricing page views"),
    "content_download": ("Downloaded 1 piece of content", "Downloaded {n} pieces of content",
                         "content downloads"),
    "webinar_registered": ("Registered for a webinar", "Registered for {n} webinars",
                           "webinar registrations"),
    "webinar_attended": ("Attended a webinar", "Attended {n} webinars", "webinars attended"),
    "email_open": ("Opened 1 email", "Opened {n} emails", "emails opened"),
    "email_click": ("Clicked a link in an email", "Clicked links in emails {n} times",
                    "email clicks"),
    "email_reply": ("Replied to an email", "Replied to emails {n} times", "email replies"),
    "form_submit": ("Submitted a form", "Submitted {n} forms", "forms submitted"),
    "demo_request": ("Requested a demo", "Requested a demo {n} times", "demo request"),
    "meeting_scheduled": ("Scheduled a meeting", "Scheduled {n} meetings", "meetings scheduled"),
    "trial_signup": ("Signed up for a trial", "Signed up for a trial {n} times",
                     "trial sign-up"),
    "unsubscribe": ("Unsubscribed from emails", "Unsubscribed {n} times", "unsubscribes"),
    "email_bounce": ("An email bounced", "{n} emails bounced", "bounced emails"),
}
STAGE_WORDS = {"top": "top-of-funnel", "middle": "middle-of-funnel", "bottom": "bottom-of-funnel"}
LONG_SILENCE_DAYS = 14  # from here on, the days since the last activity read as silence

_COUNT = re.compile(r"^n_(?P<what>[a-z_]+?)_(?P<days>\d+)d$")


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _days(value: float) -> int:
    return int(math.floor(float(value)))


class Sentences:
    """Writes the reason sentence of a feature value under one rules file."""

    def __init__(self, rules: Rules, labels: dict[str, str] | None = None) -> None:
        self.rules = rules
        self.labels = labels or {}
        self._by_name: dict[str, Callable[[Any], str]] = {
            "days_since_last_activity": self._last_activity,
            "days_since_first_activity": lambda v: (
                "No activity on record" if _missing(v)
                else f"First activity {count(_days(v), '1 day', '{n} days')} ago"),
            "n_active_days_90d": lambda v: (
                "Not active in the last 90 days" if not v
                else f"Active on {count(v, '1 day', '{n} different days')} in the last 90 days"),
            "is_returning_visitor": lambda v: (
                "Came back to the website on 2 or more days (last 90 days)" if v
                else "Did not come back to the website (last 90 days)"),
            "email_clicks_per_open_90d": lambda v: (
                "Opened no email in the last 90 days" if _missing(v)
                else f"{float(v):.2g} clicks per email opened (last 90 days)"),
            "has_unsubscribed": lambda v: (
                "Unsubscribed from emails" if v else "Still subscribed to emails"),
            "has_bounced": lambda v: (
                "An email to this lead bounced" if v else "No email to this lead bounced"),
            "engagement_score": lambda v: (
                f"Engagement score {float(v):.1f} (recent activity counts more)"),
            "recent_velocity": self._velocity,
            "industry": self._industry,
            "company_size": self._company_size,
            "company_size_band": lambda v: (
                "No company size given" if _missing(v) else f"Company of {v} employees"),
            "log_annual_revenue": lambda v: (
                "No annual revenue given" if _missing(v)
                else f"Annual revenue {money(math.expm1(float(v)))}"),
            "region": lambda v: (
                "Region not known" if _missing(v) or v == "unknown"
                else f"Based in {plain(v)}"),
            "icp_fit": lambda v: (
                f"Meets {count(round(float(v) * 3), '1', '{n}')} of 3 ideal customer profile "
                f"criteria (industry, size, region)"),
            "seniority": self._seniority,
            "job_function": lambda v: (
                "Job function not known from the job title" if _missing(v) or v == "unknown"
                else f"Works in {plain(v)}"),
            "source": lambda v: (
                "No lead source given" if _missing(v) else f"Came from {plain(v)}"),
            "log_budget": self._budget,
            "purchase_timeframe": self._timeframe,
            "pain_point": lambda v: (
                "No pain point given" if _missing(v) else f"Pain point: \"{v}\""),
        }

    def text(self, feature: str, value: Any) -> str:
        """The sentence of ``feature`` at ``value`` (a raw feature value, NaN/None missing)."""
        write = self._by_name.get(feature)
        if write is not None:
            return write(value)
        found = _COUNT.match(feature)
        if found:
            return self._count(found["what"], int(found["days"]), value)
        label = self.labels.get(feature, feature)
        if _missing(value):
            return f"{label}: not given"
        if isinstance(value, float):
            value = int(value) if value.is_integer() else round(value, 3)
        return f"{label}: {value}"

    # --- the longer ones ---------------------------------------------------------------------

    def _count(self, what: str, days: int, value: Any) -> str:
        n = 0 if _missing(value) else int(round(float(value)))
        window = f"in the last {days} days"
        if what == "activities":
            return (f"{count(n, '1 activity', '{n} activities')} {window}" if n
                    else f"No activity {window}")
        if what.endswith("_content") and what[:-len("_content")] in STAGE_WORDS:
            stage = STAGE_WORDS[what[:-len("_content")]]
            return (f"Downloaded {count(n, f'1 {stage} item', f'{{n}} {stage} items')} {window}"
                    if n else f"No {stage} download {window}")
        one, many, none = ACTIVITY_WORDS.get(what, (f"1 {what}", f"{{n}} {what}", what))
        return f"{count(n, one, many)} {window}" if n else f"No {none} {window}"

    @staticmethod
    def _last_activity(value: Any) -> str:
        if _missing(value):
            return "No activity on record"
        days = _days(value)
        if days < 1:
            return "Active today"
        if days >= LONG_SILENCE_DAYS:
            return f"No activity for {days} days"
        return f"Last active {count(days, '1 day', '{n} days')} ago"

    @staticmethod
    def _velocity(value: Any) -> str:
        if _missing(value):
            return "No activity in the last 30 days"
        v = float(value)
        if v >= 1.25:
            return "Activity picking up in the last 7 days"
        if v <= 0.75:
            return "Activity slowing down in the last 7 days"
        return "Steady activity over the last 30 days"

    def _industry(self, value: Any) -> str:
        if _missing(value):
            return "No industry given"
        target = " (ideal customer profile)" if value in self.rules.icp.industries else ""
        return f"In the {plain(value)} industry{target}"

    def _company_size(self, value: Any) -> str:
        if _missing(value):
            return "No company size given"
        size = float(value)
        icp = self.rules.icp
        top = math.inf if icp.max_employees is None else icp.max_employees
        span = (f"{icp.min_employees:,}+" if icp.max_employees is None
                else f"{icp.min_employees:,}-{icp.max_employees:,}")
        where = "within" if icp.min_employees <= size <= top else "outside"
        return f"Company of {size:,.0f} employees, {where} the {span} target"

    def _seniority(self, value: Any) -> str:
        if _missing(value) or value == "unknown":
            return "Seniority not known from the job title"
        rule = self.rules.bant.authority
        role = (" (decision maker)" if value in rule.decision_makers
                else " (not the decision maker)" if value in rule.not_decision_makers else "")
        return f"{plain(value)} level{role}"

    def _budget(self, value: Any) -> str:
        if _missing(value):
            return "No budget given"
        amount = math.expm1(float(value))
        threshold = self.rules.bant.budget.min_amount
        verdict = "meets" if amount >= threshold else "is below"
        return f"Budget {money(amount)} {verdict} the {money(threshold)} threshold"

    def _timeframe(self, value: Any) -> str:
        if _missing(value):
            return "No purchase timeframe given"
        rule = self.rules.bant.timeline
        answer = normalise_answer(str(value))
        if answer in rule.qualifying:
            return f"Plans to buy in {value} ({rule.label})"
        if answer in rule.not_qualifying:
            return f"Plans to buy in {value}, not {rule.label}"
        return f"Purchase timeframe: {value}"
