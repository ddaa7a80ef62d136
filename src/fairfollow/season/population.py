"""Who is in a simulated season: industries, companies, client employers and students.

Students carry latent traits (search intensity, industry preferences) that drive all of their
behaviour; sensitive attributes (gender, university tier, region) are drawn for the fairness
audit only and influence nothing but offer chances, as they would in a real labour market.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

INDUSTRIES: tuple[tuple[str, str], ...] = (
    ("メーカー（電機）", "Manufacturing (electronics)"),
    ("メーカー（自動車）", "Manufacturing (automotive)"),
    ("メーカー（食品）", "Manufacturing (food)"),
    ("化学・素材", "Chemicals and materials"),
    ("商社", "Trading houses"),
    ("銀行", "Banking"),
    ("証券", "Securities"),
    ("保険", "Insurance"),
    ("IT・ソフトウェア", "IT and software"),
    ("通信", "Telecommunications"),
    ("広告・マスコミ", "Advertising and media"),
    ("小売", "Retail"),
    ("不動産", "Real estate"),
    ("建設", "Construction"),
    ("運輸・物流", "Transport and logistics"),
    ("エネルギー", "Energy"),
    ("コンサルティング", "Consulting"),
    ("医薬品", "Pharmaceuticals"),
    ("旅行・ホテル", "Travel and hotels"),
    ("人材サービス", "Staffing services"),
)

REGIONS: tuple[str, ...] = (
    "hokkaido",
    "tohoku",
    "kanto",
    "chubu",
    "kinki",
    "chugoku",
    "shikoku",
    "kyushu",
)
REGION_WEIGHTS = np.array([0.04, 0.07, 0.35, 0.17, 0.18, 0.06, 0.03, 0.10])
GENDERS: tuple[str, ...] = ("F", "M", "X")
GENDER_WEIGHTS = np.array([0.48, 0.50, 0.02])
TIER_WEIGHTS = np.array([0.15, 0.30, 0.35, 0.20])  # tier 1 = most selective

N_COMPANIES = 3000
N_CLIENTS = 38
N_ACTIVE_CLIENTS = 35


@dataclass(frozen=True)
class Companies:
    """Every company on the site; ids are 1..n."""

    company_id: NDArray[np.int32]
    industry: NDArray[np.int16]  # 0-based industry index
    popularity: NDArray[np.float64]  # sampling weight for browsing and entries
    appeal: NDArray[np.float64]  # latent quality students agree on
    is_client: NDArray[np.bool_]
    client_active: NDArray[np.bool_]

    @property
    def size(self) -> int:
        return int(self.company_id.size)


def make_companies(rng: np.random.Generator, n: int = N_COMPANIES) -> Companies:
    industry = rng.integers(0, len(INDUSTRIES), size=n).astype(np.int16)
    log_pop = rng.normal(0.0, 1.1, size=n)
    # Popular firms tend to be the ones students prefer, but not perfectly.
    appeal = 0.6 * (log_pop / 1.1) + 0.8 * rng.normal(0.0, 1.0, size=n)
    popularity = np.exp(log_pop)
    # Clients are large, well-known employers: drawn from the 150 most popular.
    top = np.argsort(-popularity)[:150]
    weight = np.exp(4.0 * appeal[top])
    clients = rng.choice(top, size=N_CLIENTS, replace=False, p=weight / weight.sum())
    is_client = np.zeros(n, dtype=np.bool_)
    is_client[clients] = True
    client_active = np.zeros(n, dtype=np.bool_)
    client_active[clients[:N_ACTIVE_CLIENTS]] = True
    return Companies(
        company_id=np.arange(1, n + 1, dtype=np.int32),
        industry=industry,
        popularity=popularity,
        appeal=appeal,
        is_client=is_client,
        client_active=client_active,
    )


@dataclass(frozen=True)
class Students:
    """One chunk of students of one season, with latent traits."""

    member_id: NDArray[np.int64]
    intensity: NDArray[np.float64]  # search intensity, mean about 1
    preference: NDArray[np.float64]  # (n, industries) Dirichlet weights
    gender: NDArray[np.int8]
    tier: NDArray[np.int8]  # 1..4
    region: NDArray[np.int8]
    mobile_share: NDArray[np.float64]

    @property
    def size(self) -> int:
        return int(self.member_id.size)

    @property
    def top_industry(self) -> NDArray[np.int16]:
        top: NDArray[np.int16] = np.argmax(self.preference, axis=1).astype(np.int16)
        return top


def make_students(rng: np.random.Generator, first_id: int, n: int) -> Students:
    intensity = rng.lognormal(mean=-0.125, sigma=0.5, size=n)  # E = 1
    preference = rng.dirichlet(np.full(len(INDUSTRIES), 0.35), size=n)
    gender = rng.choice(len(GENDERS), size=n, p=GENDER_WEIGHTS).astype(np.int8)
    tier = (rng.choice(4, size=n, p=TIER_WEIGHTS) + 1).astype(np.int8)
    region = rng.choice(len(REGIONS), size=n, p=REGION_WEIGHTS).astype(np.int8)
    mobile_share = rng.beta(7.0, 3.0, size=n)  # about 70% of visits on smartphones
    return Students(
        member_id=np.arange(first_id, first_id + n, dtype=np.int64),
        intensity=intensity,
        preference=preference,
        gender=gender,
        tier=tier,
        region=region,
        mobile_share=mobile_share,
    )
