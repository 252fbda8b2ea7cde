"""The expert pool's rules (``bidding/experts/pool_rules.py``) by worked example: 规定 11 (8+ years,
a senior title or equivalent), the formats of mobile, e-mail, credit code, GB/T 2260 region and
GB 11643 identity card number, and the keyed digest the number is kept as."""

from __future__ import annotations

from datetime import date

import pytest

from bidding.experts.pool_rules import (
    ExpertTitle,
    PoolRuleError,
    PoolRuleErrors,
    check_dates,
    check_day,
    check_email,
    check_employer,
    check_id_number,
    check_mobile,
    check_region,
    check_registry_no,
    check_text,
    check_years,
    id_number_digest,
    parse_title,
    validate_expert,
)
from bidding.identity.credit_code import make_credit_code

EMPLOYER = make_credit_code("91320100MA1X2Y3W4")


def refused(field: str) -> pytest.RaisesExc[PoolRuleError]:
    return pytest.raises(PoolRuleError, match=f"^{field}:")


def test_eight_years_admit_and_seven_do_not() -> None:
    assert check_years(8) == 8
    assert check_years(35) == 35
    with refused("years_experience") as caught:
        check_years(5)
    assert "规定第十一条" in caught.value.message_zh and "规定 11" in caught.value.message_en
    with refused("years_experience"):
        check_years(7)
    with refused("years_experience"):
        check_years(80)  # a slip for 8, not a career


@pytest.mark.parametrize(
    ("written", "level"),
    [
        ("正高级", ExpertTitle.FULL_SENIOR),
        ("正高", ExpertTitle.FULL_SENIOR),
        ("full_senior", ExpertTitle.FULL_SENIOR),
        (" 副高级 ", ExpertTitle.DEPUTY_SENIOR),
        ("Deputy_Senior", ExpertTitle.DEPUTY_SENIOR),
        ("同等专业水平", ExpertTitle.EQUIVALENT),
    ],
)
def test_title_levels_as_written(written: str, level: ExpertTitle) -> None:
    assert parse_title(written) is level


@pytest.mark.parametrize("written", ["中级", "初级", "intermediate", "junior", "", "教授"])
def test_titles_below_senior_or_unknown_are_refused(written: str) -> None:
    with refused("title") as caught:
        parse_title(written)
    if written in ("中级", "intermediate"):
        assert "below a senior title" in caught.value.message_en


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("13912345678", "13912345678"), ("+86 139-1234-5678", "13912345678"), ("0086 19912345678", "19912345678")],
)
def test_mobile_numbers_are_kept_as_eleven_digits(typed: str, kept: str) -> None:
    assert check_mobile(typed) == kept


@pytest.mark.parametrize("typed", ["12345678901", "1391234567", "139123456789", "025-83000000", "abc", ""])
def test_other_numbers_are_not_mobiles(typed: str) -> None:
    with refused("mobile"):
        check_mobile(typed)


def test_email() -> None:
    assert check_email("Li.Si@Example.COM") == "Li.Si@example.com"
    assert check_email("  ") is None and check_email(None) is None
    for bad in ("li.si", "li@", "@example.com", "li si@example.com", "li@example", "a" * 65 + "@example.com"):
        with refused("email"):
            check_email(bad)


def test_employer_by_credit_code() -> None:
    assert check_employer(EMPLOYER.lower(), " 南京某设计院 ") == (EMPLOYER, "南京某设计院")
    wrong = EMPLOYER[:-1] + ("0" if EMPLOYER[-1] != "0" else "1")
    with refused("employer_credit_code"):
        check_employer(wrong, "南京某设计院")
    with refused("employer_name"):
        check_employer(EMPLOYER, "  ")


@pytest.mark.parametrize("code", ["320102", "320100", "320000", "110101", "810000"])
def test_region_codes(code: str) -> None:
    assert check_region(code) == code


@pytest.mark.parametrize("code", ["990000", "000000", "32010", "3201020", "32A100", "320012"])
def test_bad_region_codes(code: str) -> None:
    with refused("region_code"):
        check_region(code)


def test_identity_card_numbers_and_their_digest() -> None:
    # GB 11643's own example: 11010519491231002X.
    assert check_id_number("11010519491231002x") == "11010519491231002X"
    with refused("id_number"):
        check_id_number("110105194912310021")  # one digit off the check character
    with refused("id_number"):
        check_id_number("1101051949123100")
    one, two = id_number_digest("11010519491231002X", b"k" * 32), id_number_digest("11010519491231002X", b"j" * 32)
    assert len(one) == 64 and one != two  # keyed: a leaked table cannot be reversed without the key
    assert one == id_number_digest("11010519491231002X", b"k" * 32)


def test_registry_numbers_texts_and_days() -> None:
    assert check_registry_no(" js-2026-001 ") == "JS-2026-001"
    for bad in ("", "-E1", "E 1", "E" * 33, "专家1"):
        with refused("registry_no"):
            check_registry_no(bad)
    assert check_text("  出差 ", "reason", max_length=10) == "出差"
    assert check_text("", "reason", max_length=10, required=False) is None
    with refused("reason"):
        check_text("a\u202eb", "reason", max_length=10)
    with refused("reason"):
        check_text("x" * 11, "reason", max_length=10)
    assert check_dates(date(2026, 5, 1), date(2026, 5, 1)) == (date(2026, 5, 1), date(2026, 5, 1))
    with refused("ends_on"):
        check_dates(date(2026, 5, 2), date(2026, 5, 1))
    with refused("until"):
        check_day(date(1999, 12, 31), "until")


def test_validate_expert_reports_every_refusal_at_once() -> None:
    good = validate_expert(
        registry_no="e-1",
        name="张三",
        mobile="+86 13912345678",
        email=None,
        employer_credit_code=EMPLOYER,
        employer_name="某院",
        title="副高",
        title_name="高级工程师",
        years_experience=8,
        region_code="320102",
        specialties=["a0101", "C0102"],
        id_number="11010519491231002X",
    )
    assert good.registry_no == "E-1" and good.mobile == "13912345678"
    assert good.specialties == ("A0101", "C0102") and good.title is ExpertTitle.DEPUTY_SENIOR
    with pytest.raises(PoolRuleErrors) as caught:
        validate_expert(
            registry_no="e-1",
            name="",
            mobile="1",
            email="x",
            employer_credit_code="91320100MA1XXXXX00",
            employer_name="",
            title="中级",
            title_name=None,
            years_experience=None,
            region_code="99",
            specialties=["A01", "Z"],
        )
    assert [e.field for e in caught.value.errors] == [
        "name",
        "mobile",
        "email",
        "employer_credit_code",
        "title",
        "years_experience",
        "region_code",
        "specialties",
    ]
