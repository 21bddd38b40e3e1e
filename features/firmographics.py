"""Firmographic family: industry, company size and band, revenue, region, ideal-customer-profile fit."""

from __future__ import annotations

import numpy as np
import pandas as pd

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


def size_band(company_size: pd.Series) -> pd.Series:
    """Employees -> band label ("51-200"); missing stays missing."""
    lower = np.array([b for b, _ in SIZE_BANDS], dtype="float64")
    labels = np.array([name for _, name in SIZE_BANDS], dtype=object)
    size = company_size.to_numpy(dtype="float64", na_value=np.nan)
    pos = np.searchsorted(lower, np.maximum(size, 1), side="right") - 1
    out = np.where(np.isnan(size), None, labels[np.clip(pos, 0, len(labels) - 1)])
    return pd.Series(out, index=company_size.index, dtype="str")


def region_of(country: pd.Series) -> pd.Series:
    """ISO alpha-2 code -> region; unlisted codes -> "other"; missing stays missing."""
    region = country.map(REGION_OF_COUNTRY).fillna("other").astype("str")
    return region.mask(country.isna())


def icp_fit(industry: pd.Series, size: pd.Series, region: pd.Series, icp: ICP) -> pd.Series:
    """Share of the three ICP criteria (industry, size range, region) the company meets.

    A criterion whose data is missing counts as not met.
    """
    in_industry = industry.isin(icp.industries).to_numpy()
    upper = np.inf if icp.max_employees is None else icp.max_employees
    size_values = size.to_numpy(dtype="float64", na_value=np.nan)
    in_size = (size_values >= icp.min_employees) & (size_values <= upper)
    in_region = region.isin(icp.regions).to_numpy()
    fit = (in_industry.astype(float) + in_size.astype(float) + in_region.astype(float)) / 3.0
    return pd.Series(fit, index=industry.index)


def firmographic_features(leads: pd.DataFrame, icp: ICP) -> pd.DataFrame:
    """Return the firmographic columns of SPECS, indexed like ``leads``."""
    def column(name: str) -> pd.Series:
        return leads[name] if name in leads.columns else pd.Series(np.nan, index=leads.index)

    industry = column("industry").astype("str")
    size = pd.to_numeric(column("company_size"), errors="coerce").astype("float64")
    revenue = pd.to_numeric(column("annual_revenue"), errors="coerce").astype("float64")
    region = region_of(column("country").astype("str").str.strip().str.upper())
    return pd.DataFrame({
        "industry": industry,
        "company_size": size,
        "company_size_band": size_band(size),
        "log_annual_revenue": np.log1p(revenue.clip(lower=0)),
        "region": region,
        "icp_fit": icp_fit(industry, size, region, icp),
    }, index=leads.index)
