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

# ASCII: Chinese is written without spaces, and with Unicode classes "电话13812345678" would
# read as a number glued to letters (as SKU12345678 is) and be left alone
_A = re.ASCII
_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?![\w-])", _A
)
# a maximal run of digit groups joined by single spaces or dashes; cards are looked for in
# windows of whole groups, so a number written next to another ("call 187-9369-3465
# 4111 1111 1111 1111") is still found
_DIGIT_RUN = re.compile(r"(?<![\w+])\d+(?:[ -]\d+)*(?!\w)", _A)
_GROUP = re.compile(r"\d+")
_PHONES = (
    re.compile(r"(?<![\w+])(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\w)", _A),  # CN mobile
    re.compile(r"(?<![\w+])0\d{2,3}[ -]\d{7,8}(?!\w)", _A),  # CN landline, area code separated
    re.compile(r"(?<![\w+])\+\d{1,3}[ .-]?(?:\(?\d{1,4}\)?[ .-]?){2,5}\d{2,4}(?!\w)", _A),  # +CC
    re.compile(r"(?<![\w+])\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}(?!\w)", _A),  # NANP, separated
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
    for m in _DIGIT_RUN.finditer(text):
        found.extend(_cards(m.group(), m.start()))
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


def _cards(run: str, offset: int) -> list[Found]:
    """Card numbers in a run of digit groups: from each group on, the longest window of whole
    groups with 13 to 19 digits that passes the Luhn check."""
    groups = [(g.start(), g.end(), g.group()) for g in _GROUP.finditer(run)]
    out: list[Found] = []
    i = 0
    while i < len(groups):
        digits = ""
        best = None
        for j in range(i, len(groups)):
            digits += groups[j][2]
            if len(digits) > 19:
                break
            if len(digits) >= 13 and luhn_ok(digits):
                best = j
        if best is None:
            i += 1
            continue
        out.append(Found("card", offset + groups[i][0], offset + groups[best][1]))
        i = best + 1
    return out


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
