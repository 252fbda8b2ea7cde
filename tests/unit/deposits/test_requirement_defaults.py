"""Worked examples of a lot's deposit defaults and of a guarantee's data against its lot: the cap's
category, the basic account for works (条例 26), the bid validity's last day, amount and validity at
their boundaries (条例 26: the deposit's validity equals the bid validity)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from bidding.deposits.guarantees import GuaranteeInput, data_problems
from bidding.identity.models import Organization
from bidding.tendering.models import Lot, Project
from bidding.tendering.rules.deposit_requirements import (
    Category,
    basic_account_default,
    bid_validity_end,
    cap_category,
    must_tender,
)

CST = timezone(timedelta(hours=8))
TENDERER = "南京市城南水务有限公司"


def test_bid_validity_ends_days_after_the_deadlines_day_in_china() -> None:
    assert bid_validity_end(datetime(2026, 3, 1, 9, 30, tzinfo=CST), 90) == date(2026, 5, 30)
    # 23:30 UTC is already the next day in China: the validity counts from that day.
    assert bid_validity_end(datetime(2026, 2, 28, 23, 30, tzinfo=UTC), 90) == date(2026, 5, 30)


def test_cap_category_and_the_basic_account_default() -> None:
    assert cap_category("works") is Category.WORKS
    assert cap_category("services", design_survey=True) is Category.DESIGN_SURVEY
    assert (must_tender("works"), basic_account_default("works")) == (True, True)
    assert (must_tender("goods"), basic_account_default("goods")) == (False, False)
    with pytest.raises(ValueError):
        cap_category("cars")


def lot(deposit_fen: int = 8_000_000) -> Lot:
    project = Project(code="P", name="P", tenderer=Organization(name=TENDERER))
    return Lot(
        code="01",
        deposit_fen=deposit_fen,
        bid_deadline=datetime(2026, 3, 1, 9, 30, tzinfo=CST),
        bid_validity_days=90,
        project=project,
    )


def guarantee(amount_fen: int = 8_000_000, until: date = date(2026, 5, 30), **change: object) -> GuaranteeInput:
    values: dict[str, object] = {
        "guarantee_no": "BH-1",
        "issuer": "某银行",
        "beneficiary": TENDERER,
        "amount_fen": amount_fen,
        "valid_from": date(2026, 2, 1),
        "valid_until": until,
        "pdf_base64": "JVBERg==",
    }
    values.update(change)
    return GuaranteeInput(**values)  # type: ignore[arg-type]


def codes(data: GuaranteeInput, the_lot: Lot | None = None) -> list[str]:
    the_lot = the_lot or lot()
    return [p.code for p in data_problems(data, the_lot, the_lot.project)]


def test_a_guarantee_at_the_boundaries() -> None:
    assert codes(guarantee()) == []  # exactly the amount, exactly to the validity's last day
    assert codes(guarantee(amount_fen=7_999_999)) == ["guarantee_amount_short"]
    assert codes(guarantee(until=date(2026, 5, 29))) == ["guarantee_validity_short"]
    assert codes(guarantee(valid_from=date(2026, 3, 1))) == []  # in force on the deadline's day
    assert codes(guarantee(valid_from=date(2026, 3, 2))) == ["guarantee_not_yet_valid"]
    assert codes(guarantee(beneficiary="别人")) == ["guarantee_beneficiary_mismatch"]
    assert codes(guarantee(amount_fen=1, until=date(2026, 1, 1), valid_from=date(2026, 1, 2))) == [
        "guarantee_validity_short",  # from after until
        "guarantee_amount_short",
        "guarantee_validity_short",
    ]
