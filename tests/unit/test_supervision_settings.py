"""Supervision's settings (docs/supervision.md): the yellow leads in hours, the duty desk's contacts
and the orders' reply period — parsed from the environment, refused with the reason when wrong."""

from __future__ import annotations

import pytest

from bidding.core.settings import Settings


def test_defaults_are_three_days_and_one_day_and_three_working_days() -> None:
    s = Settings.from_env({})
    assert (s.supervision_leads, s.supervision_contacts, s.supervision_order_reply_days) == ((72, 24), (), 3)


def test_leads_are_sorted_largest_first_and_contacts_kept() -> None:
    s = Settings.from_env(
        {
            "BIDDING_SUPERVISION_LEADS": "24, 120,72",
            "BIDDING_SUPERVISION_CONTACTS": "duty@jd.gov.cn, +8613800138000",
            "BIDDING_SUPERVISION_ORDER_REPLY_DAYS": "5",
        }
    )
    assert s.supervision_leads == (120, 72, 24)
    assert s.supervision_contacts == ("duty@jd.gov.cn", "+8613800138000")
    assert s.supervision_order_reply_days == 5


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("BIDDING_SUPERVISION_LEADS", "3d", "hours"),
        ("BIDDING_SUPERVISION_LEADS", "0", "1 to 720"),
        ("BIDDING_SUPERVISION_LEADS", "", "at least one"),
        ("BIDDING_SUPERVISION_CONTACTS", "duty desk", "e-mail addresses or mainland mobile numbers"),
        ("BIDDING_SUPERVISION_CONTACTS", "12345", "mainland mobile"),
        ("BIDDING_SUPERVISION_ORDER_REPLY_DAYS", "0", ""),
    ],
)
def test_a_wrong_value_is_refused_naming_the_problem(name: str, value: str, says: str) -> None:
    with pytest.raises(ValueError) as refused:
        Settings.from_env({name: value})
    assert says in str(refused.value)
