"""Firmographic family: industry, company size and band, revenue, region, fit with the ideal
customer profile."""

from __future__ import annotations

import numpy as np

from features import columns
from features.catalog import FeatureSpec
from features.rules import ICP

SPECS = (
    FeatureSpec("industry", "firmographic", "categorical", "Industry"),
    FeatureSpec("company_size", "firmographic", "numeric", "Company size (employees)"),
    FeatureSpec("company_size_band", "firmographic", "categorical", "Company size band"),
    FeatureSpec("log_annual_revenue", "firmographic", "numeric", "Annual revenue (log USD)"),
    FeatureSpec("region", "firmographic", "categorical", "Region"),
    FeatureSpec("icp_fit", "firmographic", "numeric", "Fit with the ideal customer profile (0-1)"),
)

SIZE_BANDS = ((1, "1-10"), (11, "11-50"), (51, "51-200"), (201, "201-1000"), (1001, "1001-5000"),
              (5001, "5000+"))

# ISO 3166 alpha-2 country code -> sales region. Unlisted codes are "other".
REGION_OF_COUNTRY = {
    **dict.fromkeys(("US", "CA"), "north_america"),
    **dict.fromkeys(("GB", "IE", "DE", "FR", "NL", "BE", "LU", "ES", "PT", "IT", "CH", "AT", "SE",
                     "NO", "DK", "FI", "IS", "PL", "CZ", "SK", "HU", "RO", "BG", "GR", "HR", "SI",
                     "EE", "LV", "LT", "UA"), "europe"),
    **dict.fromkeys(("AU", "NZ", "IN", "SG", "JP", "KR", "CN", "HK", "TW", "MY", "TH", "ID", "PH",
                     "VN", "PK", "BD"), "apac"),
    **dict.fromkeys(("BR", "MX", "AR", "CL", "CO", "PE", "UY", "CR", "PA", "EC"), "latam"),
    **dict.fromkeys(("ZA", "AE", "SA", "IL", "EG", "NG", "KE", "MA", "QA", "TR", "GH"),
                    "middle_east_africa"),
}


def size_band_values(size: np.ndarray) -> np.ndarray:
    """Employees (float array) -> band labels ("51-200") as objects; missing stays None."""
    lower = np.array([b for b, _ in SIZE_BANDS], dtype="float64")
    labels = np.array([name for _, name in SIZE_BANDS], dtype=object)
    pos = np.searchsorted(lower, np.maximum(size, 1), side="right") - 1
    bands = labels[np.clip(pos, 0, len(labels) - 1)]
    return np.asarray(np.where(np.isnan(size), None, bands), dtype=object)


def region_values(country: np.ndarray) -> np.ndarray:
    """ISO alpha-2 codes (any case, untrimmed) -> region; unlisted -> "other"; missing None."""
    return np.array([None if code is None else REGION_OF_COUNTRY.get(code, "other")
                     for code in columns.text(country, "upper").tolist()], dtype=object)


def icp_fit_values(industry: np.ndarray, size: np.ndarray, region: np.ndarray,
                   icp: ICP) -> np.ndarray:
    """Share of the three ICP criteria (industry, size range, region) the company meets.

    A criterion whose data is missing counts as not met.
    """
    upper = np.inf if icp.max_employees is None else icp.max_employees
    in_size = (size >= icp.min_employees) & (size <= upper)
    met = (columns.isin(industry, icp.industries).astype(float) + in_size.astype(float)
           + columns.isin(region, icp.regions).astype(float))
    return met / 3.0


def firmographic_columns(leads: columns.Columns, n: int, icp: ICP) -> dict[str, np.ndarray]:
    """The firmographic columns of SPECS from the leads table's columns."""
    industry = columns.get(leads, "industry", n)
    size = columns.floats(columns.get(leads, "company_size", n))
    revenue = columns.floats(columns.get(leads, "annual_revenue", n))
    region = region_values(columns.get(leads, "country", n))
    return {
        "industry": industry,
        "company_size": size,
        "company_size_band": size_band_values(size),
        "log_annual_revenue": np.log1p(np.clip(revenue, 0, None)),
        "region": region,
        "icp_fit": icp_fit_values(industry, size, region, icp),
    }
