"""Vocabularies of the data contract: the column names and the values the product knows.

Both the loader (``features.contract``) and the demo generator (``demodata.events``) use these,
so the files the generator writes always satisfy the contract.
"""

from __future__ import annotations

LEADS_REQUIRED = ("lead_id", "mql_at", "source")
LEADS_OPTIONAL = (
    "industry",
    "company_size",
    "annual_revenue",
    "country",
    "job_title",
    "department",
    "budget",
    "purchase_timeframe",
    "pain_point",
)
# Contact data: accepted and carried, never a feature, never logged.
CONTACT_COLUMNS = ("email", "full_name", "phone")

ACTIVITIES_REQUIRED = ("lead_id", "occurred_at", "activity_type")
ACTIVITIES_OPTIONAL = ("content_stage",)

OUTCOMES_REQUIRED = ("lead_id", "sql_at")
OUTCOMES_OPTIONAL = ("disqualified_at",)

SOURCES = (
    "organic_search",
    "paid_search",
    "social",
    "email",
    "referral",
    "event",
    "partner",
    "outbound",
    "direct",
)

ACTIVITY_TYPES = (
    "page_view",
    "pricing_page_view",
    "content_download",
    "webinar_registered",
    "webinar_attended",
    "email_open",
    "email_click",
    "email_reply",
    "form_submit",
    "demo_request",
    "meeting_scheduled",
    "trial_signup",
    "unsubscribe",
    "email_bounce",
)

CONTENT_STAGES = ("top", "middle", "bottom")
# How exports and requests may write a content stage (lower case, trimmed) -> the stage.
STAGE_ALIASES = {
    "top": "top", "tofu": "top", "top of funnel": "top",
    "middle": "middle", "mofu": "middle", "middle of funnel": "middle",
    "bottom": "bottom", "bofu": "bottom", "bottom of funnel": "bottom",
}

PURCHASE_TIMEFRAMES = ("0-3 months", "3-6 months", "6-12 months", "12+ months", "no timeline")

INDUSTRIES = (
    "software",
    "financial_services",
    "healthcare",
    "manufacturing",
    "retail",
    "education",
    "professional_services",
    "media",
    "logistics",
    "energy",
    "government",
    "nonprofit",
)
