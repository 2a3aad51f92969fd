"""Personal data in free text: what is found, what is not, and masking."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopmind.privacy.pii import find_pii, luhn_ok, mask_pii


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("mail me at jane.doe+shop@example.co.uk please", "email"),
        ("call 13812345678 after 6", "phone"),
        ("电话 +86 138 1234 5678 谢谢", "phone"),
        ("座机 010-12345678", "phone"),
        ("ring +44 20 7946 0958 tomorrow", "phone"),
        ("US line (555) 123-4567", "phone"),
        ("card 4111 1111 1111 1111 exp 12/29", "card"),
        ("card 5500-0000-0000-0004", "card"),
    ],
)
def test_found(text: str, kind: str) -> None:
    assert [f.kind for f in find_pii(text)] == [kind]


@pytest.mark.parametrize(
    "text",
    [
        "2x4 lumber 8 ft, 1/2 in. plywood",
        "SKU12345678 model X-1000",
        "price 1,299.00 USD, 3 for 2",
        "order 4111111111111112",  # 16 digits failing Luhn
        "size 10.5 US / 44 EU",
        "iPhone 15 Pro 256GB",
    ],
)
def test_shop_text_is_not_personal(text: str) -> None:
    assert find_pii(text) == []


def test_mask_counts_and_keeps() -> None:
    text = "a@b.io or 13812345678, card 4111 1111 1111 1111"
    masked, counts = mask_pii(text)
    assert masked == "[EMAIL] or [PHONE], card [CARD]"
    assert counts == {"email": 1, "phone": 1, "card": 1}
    kept, _ = mask_pii(text, keep=frozenset({"email"}))
    assert kept.startswith("a@b.io or [PHONE]")
    with pytest.raises(ValueError, match="keep must name"):
        mask_pii(text, keep=frozenset({"address"}))


def test_luhn() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")


_local = st.text("abcdefghijklmnopqrstuvwxyz0123456789._", min_size=1, max_size=12).filter(
    lambda s: s[0].isalnum() and s[-1].isalnum() and ".." not in s
)
_domain = st.text("abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=10)


@given(_local, _domain, st.sampled_from(["com", "cn", "shop", "co.uk"]), st.text(max_size=30))
def test_every_generated_email_is_masked(local: str, domain: str, tld: str, noise: str) -> None:
    email = f"{local}@{domain}.{tld}"
    masked, counts = mask_pii(f"{noise} {email} {noise}")
    assert email not in masked and counts["email"] >= 1


@given(st.integers(3, 9), st.integers(0, 10**9 - 1), st.sampled_from(["", " ", "-"]))
def test_every_chinese_mobile_is_masked(second: int, rest: int, sep: str) -> None:
    digits = f"1{second}{rest:09d}"
    number = f"{digits[:3]}{sep}{digits[3:7]}{sep}{digits[7:]}"
    masked, counts = mask_pii(f"联系我 {number} 谢谢")
    assert number not in masked and counts["phone"] == 1


def test_numbers_written_straight_after_chinese_text_are_found() -> None:
    # Chinese has no spaces between words: the character before a number is no "letter glued
    # to it" the way SKU12345678's are
    text = "电话13812345678，邮箱abc.de@qq.com，卡号4111111111111111"
    assert [f.kind for f in find_pii(text)] == ["phone", "email", "card"]
    assert find_pii("货号SKU12345678") == []


def test_the_labelled_bench_scores_every_kind() -> None:
    from shopmind.pipeline.bench_pii import bench_pii

    result = bench_pii(texts=400, seed=1)
    for kind in ("email", "phone", "card"):
        k = result["kinds"][kind]
        assert k["planted"] > 0 and 0.9 <= k["recall"] <= 1.0 and k["precision"] >= 0.95


def test_a_card_written_right_after_another_number_is_found() -> None:
    text = "call 732.594.1015 4012-8888-8888-1881 thanks"
    found = [(f.kind, text[f.start : f.end]) for f in find_pii(text)]
    assert found == [("phone", "732.594.1015"), ("card", "4012-8888-8888-1881")]
