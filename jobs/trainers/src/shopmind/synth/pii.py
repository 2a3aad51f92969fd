"""Shop text with personal data planted at known places: the labelled set the PII detectors
are measured on (``shopmind-trainers bench pii``).

Each text is a review, a query or a note a shopper might write, in English or Chinese, with
zero or more e-mail addresses, phone numbers or card numbers written the ways people write
them, and the shop's own numbers that must not be taken for them: model numbers, SKUs, sizes,
prices, dates, order numbers and quantities. The formats are drawn from how such data is
written, not from the detectors' patterns, so formats the detectors do not cover show up as
misses.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

FIRST = ("anna", "li.wei", "j.smith", "maria_g", "chen88", "o'neil", "bob-k", "zhang.san")
DOMAINS = ("gmail.com", "qq.com", "163.com", "outlook.com", "shop.co.uk", "mail.example.org")
EN_FRAMES = (
    "Great drill, arrived fast. Questions? {x}",
    "please contact {x} about the bulk order",
    "wrong size sent, reach me at {x} thanks",
    "{x}",
    "the 2x4 studs were warped, call {x} for pickup",
    "Gift for my dad - if it fails email {x}",
)
ZH_FRAMES = ("请联系我 {x} 谢谢", "收货地址有变，电话{x}", "发票请发到 {x}", "{x} 这个号码可以联系")
NEGATIVES = (
    "DeWalt DCD771C2 20V 1/2 in. cordless drill",
    "2x4x8 pine stud, 12 pack",
    "SKU 48201938 back in stock",
    "order #{order} not delivered",
    "price dropped from 1299.00 to 999.00",
    "dimensions 120 x 60 x 75 cm, 2024-05-01 delivery",
    "model A1234567890 fits 3/4 in. pipe",
    "bought 3 of item 100234567 on 2023/11/11",
    "iPhone 15 Pro 256GB 天蓝色 官方旗舰",
    "尺码 42 码 颜色 黑色 货号 20240618",
    "rated 4.5 of 5 by 1234 shoppers",
)


@dataclass(frozen=True)
class Planted:
    """One piece of personal data in a text: its kind and span."""

    kind: str
    start: int
    end: int


def _email(rng: random.Random) -> str:
    local = rng.choice(FIRST)
    if rng.random() < 0.3:
        local += str(rng.randint(1, 9999))
    if rng.random() < 0.15:
        local += "+shop"
    address = f"{local}@{rng.choice(DOMAINS)}"
    return address.upper() if rng.random() < 0.1 else address


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(n))


def _phone(rng: random.Random) -> str:
    kind = rng.randrange(8)
    if kind <= 2:  # Chinese mobile
        body = f"1{rng.choice('3456789')}{_digits(rng, 9)}"
        form = rng.randrange(4)
        if form == 1:
            body = f"{body[:3]} {body[3:7]} {body[7:]}"
        elif form == 2:
            body = f"{body[:3]}-{body[3:7]}-{body[7:]}"
        return ("+86 " if rng.random() < 0.3 else "") + body
    if kind == 3:  # Chinese landline
        area = rng.choice(("010", "021", "0755", "0571"))
        return f"{area}-{_digits(rng, 8 if len(area) == 3 else 7)}"
    if kind in (4, 5):  # North American
        a, b, c = rng.randint(201, 989), rng.randint(200, 999), _digits(rng, 4)
        return rng.choice((f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}", f"+1 {a} {b} {c}"))
    return rng.choice(  # international with a country code
        (
            f"+44 20 {_digits(rng, 4)} {_digits(rng, 4)}",
            f"+49 30 {_digits(rng, 7)}",
            f"+33 1 {_digits(rng, 2)} {_digits(rng, 2)} {_digits(rng, 2)} {_digits(rng, 2)}",
            f"+81 3-{_digits(rng, 4)}-{_digits(rng, 4)}",
        )
    )


def _luhn_complete(prefix: str) -> str:
    """``prefix`` plus the check digit that makes it pass the Luhn check."""
    total = 0
    for i, ch in enumerate(reversed(prefix)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return prefix + str((10 - total % 10) % 10)


def _card(rng: random.Random) -> str:
    if rng.random() < 0.2:  # American Express: 15 digits, grouped 4-6-5
        n = _luhn_complete("37" + _digits(rng, 12))
        groups = [n[:4], n[4:10], n[10:]]
    else:
        n = _luhn_complete(rng.choice("45") + _digits(rng, 14))
        groups = [n[:4], n[4:8], n[8:12], n[12:]]
    return rng.choice((" ", "-", "")).join(groups)


def _order(rng: random.Random) -> str:
    """A 16-digit order number that fails the Luhn check (a card-like number that is not one)."""
    n = _luhn_complete(_digits(rng, 15))
    return n[:-1] + str((int(n[-1]) + 1 + rng.randrange(9)) % 10)


MAKERS = {"email": _email, "phone": _phone, "card": _card}


def labelled_texts(n: int, seed: int = 0) -> list[tuple[str, list[Planted]]]:
    """``n`` texts with what was planted in each: about half hold personal data (one or two
    pieces, in an English or Chinese frame), the rest only shop numbers."""
    rng = random.Random(seed)
    out: list[tuple[str, list[Planted]]] = []
    for _ in range(n):
        negative = rng.choice(NEGATIVES).format(order=_order(rng))
        if rng.random() < 0.5:
            out.append((negative, []))
            continue
        text, planted = "", []
        for _piece in range(rng.choice((1, 1, 1, 2))):
            kind = rng.choice(("email", "phone", "phone", "card"))
            value = MAKERS[kind](rng)
            frames = ZH_FRAMES if rng.random() < 0.3 else EN_FRAMES
            before, after = rng.choice(frames).split("{x}")
            text += (" " if text else "") + before
            planted.append(Planted(kind, len(text), len(text) + len(value)))
            text += value + after
        if rng.random() < 0.5:
            text += " " + negative
        out.append((text, planted))
    return out
