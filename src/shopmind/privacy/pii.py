"""Personal data in free text: find e-mail addresses, phone numbers and card-like numbers, and
mask them by a policy.

Reviews, search queries and descriptions carry what users type, and users type their e-mail
and phone number. The detectors are patterns with checks that cut false alarms in shop text,
where numbers are everywhere (model numbers, sizes, prices, SKUs):

* **email**: ``local@domain.tld``, the top-level domain alphabetic;
* **phone**: Chinese mobiles (``1[3-9]`` + 9 digits, optionally ``+86``), Chinese landlines
  (``0`` + area code + 7-8 digits, with a separator), numbers written with a ``+`` country
  code, and North-American numbers written with separators (``(555) 123-4567``);
  8 to 15 digits in all, and a run of digits glued to letters (``SKU12345678``) is not one;
* **card**: 13 to 19 digits, optionally grouped by spaces or dashes, passing the Luhn check
  (a random 16-digit number passes one time in ten).

A match is masked as ``[EMAIL]``, ``[PHONE]`` or ``[CARD]``; the policy can keep a kind instead.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

KINDS = ("email", "phone", "card")

_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?![\w-])"
)
_CARD = re.compile(r"(?<![\w+])(?:\d[ -]?){12,18}\d(?!\w)")
_PHONES = (
    re.compile(r"(?<![\w+])(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\w)"),  # CN mobile
    re.compile(r"(?<![\w+])0\d{2,3}[ -]\d{7,8}(?!\w)"),  # CN landline, area code separated
    re.compile(r"(?<![\w+])\+\d{1,3}[ .-]?(?:\(?\d{1,4}\)?[ .-]?){2,5}\d{2,4}(?!\w)"),  # +CC
    re.compile(r"(?<![\w+])\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}(?!\w)"),  # NANP with separators
)
LABELS = {"email": "[EMAIL]", "phone": "[PHONE]", "card": "[CARD]"}


@dataclass(frozen=True)
class Found:
    """One piece of personal data: its kind and its span in the text."""

    kind: str
    start: int
    end: int


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum of a string of digits (what payment card numbers carry)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def find_pii(text: str) -> list[Found]:
    """Every e-mail, phone number and card number in ``text``, by position; where spans
    overlap, the earlier and then longer one wins (an e-mail before a phone inside it)."""
    found: list[Found] = [Found("email", m.start(), m.end()) for m in _EMAIL.finditer(text)]
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and luhn_ok(digits):
            found.append(Found("card", m.start(), m.end()))
    for pattern in _PHONES:
        for m in pattern.finditer(text):
            if 8 <= sum(c.isdigit() for c in m.group()) <= 15:
                found.append(Found("phone", m.start(), m.end()))
    found.sort(key=lambda f: (f.start, -(f.end - f.start)))
    kept: list[Found] = []
    for f in found:
        if not kept or f.start >= kept[-1].end:
            kept.append(f)
    return kept


def mask_pii(text: str, keep: frozenset[str] = frozenset()) -> tuple[str, Counter[str]]:
    """``text`` with each piece of personal data replaced by its label (kinds in ``keep`` are
    left as they are), and the count found of each kind."""
    unknown = set(keep) - set(KINDS)
    if unknown:
        raise ValueError(f"keep must name kinds among {', '.join(KINDS)}, got {sorted(unknown)}")
    counts: Counter[str] = Counter()
    out: list[str] = []
    at = 0
    for f in find_pii(text):
        counts[f.kind] += 1
        if f.kind in keep:
            continue
        out.append(text[at : f.start])
        out.append(LABELS[f.kind])
        at = f.end
    out.append(text[at:])
    return "".join(out), counts
