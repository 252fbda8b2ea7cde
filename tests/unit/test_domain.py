from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bidding.identity.credit_code import CreditCodeError, make_credit_code, normalise_credit_code
from bidding.tendering.rules.projects import Phase, ProjectStatus, deposit_allowed, project_phase

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L", " 91350100m000100y43 "])
def test_real_credit_codes_validate(code: str) -> None:
    assert normalise_credit_code(code) == code.strip().upper()


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("91350100M000100Y44", "check character"),
        ("91350100M000100Y4", "18 characters"),
        ("91350100M000100IO3", "not allowed"),
        ("", "18 characters"),
    ],
)
def test_bad_credit_codes_say_why(code: str, fragment: str) -> None:
    with pytest.raises(CreditCodeError, match=fragment):
        normalise_credit_code(code)


def test_every_single_character_change_is_caught() -> None:
    code = make_credit_code("12320100MB1234567")
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for i in range(17):
        for ch in alphabet:
            if ch != code[i]:
                with pytest.raises(CreditCodeError):
                    normalise_credit_code(code[:i] + ch + code[i + 1 :])


def test_phase_follows_the_clock() -> None:
    deadline = NOW + timedelta(days=3)

    def phase(now: datetime, start: datetime | None = NOW - timedelta(days=1)) -> Phase:
        return project_phase(ProjectStatus.PUBLISHED, tender_start_at=start, bid_deadlines=[deadline], now=now)

    assert phase(NOW, start=NOW + timedelta(hours=1)) is Phase.PUBLISHED
    assert phase(NOW) is Phase.TENDERING
    assert phase(deadline - timedelta(seconds=1)) is Phase.TENDERING
    assert phase(deadline) is Phase.OPENING
    for status, expected in [
        (ProjectStatus.CANCELLED, Phase.CANCELLED),
        (ProjectStatus.DRAFT, Phase.DRAFT),
        (ProjectStatus.AWARDED, Phase.AWARDED),
    ]:
        assert project_phase(status, tender_start_at=None, bid_deadlines=[deadline], now=deadline) is expected


def test_deposit_limit_is_exact_in_fen() -> None:
    assert deposit_allowed(2_000_00, 100_000_00)
    assert not deposit_allowed(2_000_01, 100_000_00)
    assert deposit_allowed(0, 1)
    assert not deposit_allowed(-1, 100)
