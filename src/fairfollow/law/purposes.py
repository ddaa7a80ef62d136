"""The purposes FairFollow's own services are built on, as named keys (pure).

A purpose's text, analysis, output and recipient class live in the policy versions members
are shown; these are only the stable keys code refers to, so that one purpose is spelled one
way everywhere (consent evaluation, the release door, intake, the pages).
"""

from __future__ import annotations

from enum import StrEnum


class PurposeKey(StrEnum):
    # An aggregate forecast of acceptances given to the employer that made the offers.
    EMPLOYER_FORECAST = "employer_forecast"
    # Statistics the platform keeps for itself (recipient class ``platform``).
    STATISTICS = "statistics"
    # The partner site's cookies were collected for ad delivery (the 2019 case).
    AD_DELIVERY = "ad_delivery"
