"""Users and their latent tastes: what they like, which brands, how price-sensitive, how active."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa

from shopmind.contracts.tables import USERS
from shopmind.synth.catalog import N_EN_BRANDS, N_ZH_BRANDS, Catalog, brand_index, id_width
from shopmind.synth.config import SynthConfig
from shopmind.synth.rng import stream
from shopmind.synth.vocab import TOPS

US_PER_DAY = 86_400 * 1_000_000
_EN_COUNTRIES = (
    ("US", 0.5),
    ("GB", 0.15),
    ("CA", 0.1),
    ("AU", 0.08),
    ("DE", 0.07),
    ("IN", 0.05),
    ("IE", 0.05),
)
_ZH_COUNTRIES = (("CN", 0.8), ("TW", 0.1), ("SG", 0.1))
COUNTRIES: tuple[str, ...] = tuple(c for c, _ in _EN_COUNTRIES + _ZH_COUNTRIES)
SEGMENTS: tuple[str, ...] = ("regular", "bargain", "new", "vip")


def epoch_us(config: SynthConfig) -> int:
    """``config.start`` (UTC midnight) in microseconds since the epoch."""
    d = config.start_date
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp()) * 1_000_000


@dataclass
class Users:
    """All users: ids, visible attributes and the hidden tastes that drive their events.

    ``taste`` is (n, n_tops), rows summing to 1, mass on 1-3 favourite top categories.
    ``fav_brand`` is (n, n_tops): the user's favourite brand (global index) in each top, in
    the user's language. ``loyalty`` is the chance a session starts from that brand.
    ``price_sensitivity`` in [0, 1] damps purchases of items priced above their leaf's median.
    ``activity`` sums to 1: the share of sessions each user starts (heavy-tailed).
    ``country`` and ``segment`` index ``COUNTRIES`` and ``SEGMENTS`` (codes keep a million
    users cheap).
    """

    user_ids: list[str]
    lang: np.ndarray
    country: np.ndarray
    segment: np.ndarray
    signup_us: np.ndarray
    taste: np.ndarray
    fav_brand: np.ndarray
    loyalty: np.ndarray
    price_sensitivity: np.ndarray
    activity: np.ndarray

    def __len__(self) -> int:
        return len(self.user_ids)

    def table(self) -> pa.Table:
        """The users table in the canonical contract's schema."""
        return pa.table(
            {
                "user_id": self.user_ids,
                "signup_at": pa.array(self.signup_us, pa.timestamp("us", tz="UTC")),
                "country": pa.array(COUNTRIES).take(pa.array(self.country)),
                "segment": pa.array(SEGMENTS).take(pa.array(self.segment)),
            },
            schema=USERS.arrow_schema(),
        )


def build_users(config: SynthConfig, catalog: Catalog) -> Users:
    """Draw the users for ``config``; tastes lean towards categories the catalogue stocks."""
    rng = stream(config.seed, "users")
    n, n_tops = config.n_users, len(TOPS)
    lang = np.zeros(n, dtype=np.int8)
    if bool((catalog.lang == 1).any()):
        lang[rng.permutation(n)[: round(n * config.zh_fraction)]] = 1

    # Favourite tops by Gumbel-max over the catalogue's own category mix, 1-3 per user.
    top_share = np.bincount(catalog.top, minlength=n_tops) + 1.0
    keys = np.log(top_share / top_share.sum()) + rng.gumbel(size=(n, n_tops))
    rank = np.argsort(np.argsort(-keys, axis=1), axis=1)
    n_fav = rng.choice([1, 2, 3], size=n, p=[0.35, 0.4, 0.25])
    fav = rank < n_fav[:, None]
    taste = rng.gamma(0.08 + 3.0 * fav)
    taste /= taste.sum(axis=1, keepdims=True)

    k = np.where(
        lang[:, None] == 1,
        rng.integers(0, N_ZH_BRANDS, size=(n, n_tops)),
        rng.integers(0, N_EN_BRANDS, size=(n, n_tops)),
    )
    tops = np.broadcast_to(np.arange(n_tops), (n, n_tops))
    fav_brand = brand_index(tops, np.broadcast_to(lang[:, None], (n, n_tops)), k)
    loyalty = rng.beta(2.0, 3.0, size=n)
    sensitivity = rng.beta(2.0, 2.0, size=n)
    activity = rng.lognormal(0.0, 1.2, size=n)
    activity /= activity.sum()

    age_days = rng.uniform(0.0, 730.0, size=n)
    signup_us = epoch_us(config) - (age_days * US_PER_DAY).astype(np.int64)
    signup_us -= signup_us % 1000  # millisecond precision, like the events

    country = _countries(rng, lang)
    segment = np.zeros(n, dtype=np.int8)
    segment[sensitivity > 0.8] = SEGMENTS.index("bargain")
    segment[age_days < 30.0] = SEGMENTS.index("new")
    segment[activity >= np.quantile(activity, 0.95)] = SEGMENTS.index("vip")
    width = id_width(n, 5)
    return Users(
        [f"U{i:0{width}d}" for i in range(n)],
        lang,
        country,
        segment,
        signup_us,
        taste,
        fav_brand,
        loyalty,
        sensitivity,
        activity,
    )


def _countries(rng: np.random.Generator, lang: np.ndarray) -> np.ndarray:
    en = rng.choice(len(_EN_COUNTRIES), size=len(lang), p=[p for _, p in _EN_COUNTRIES])
    zh = len(_EN_COUNTRIES) + rng.choice(
        len(_ZH_COUNTRIES), size=len(lang), p=[p for _, p in _ZH_COUNTRIES]
    )
    out: np.ndarray = np.where(lang == 1, zh, en).astype(np.int8)
    return out
