"""Each recusal rule excludes (RULES b4, b4b; acceptance check (b) 1), one worked example per reason code,
and the pool split the draw starts from."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from bidding.experts.eligibility import (
    Candidate,
    DrawContext,
    Exclusion,
    ExpertStatus,
    Unavailable,
    exclusions,
    holds_specialty,
    region_within,
    served_specialties,
    split_pool,
)

TENDERER = "12320100466000019T"
AGENT = "91320100MA1AGENT19"
SUPERVISOR = "11320100MB1SUPER19"
BIDDER = "91320100MA1BIDDR01"
OTHER = "91320100MA1OTHER01"
# 09:00 to 17:00 in Nanjing on 10 June 2026.
EVALUATION = datetime(2026, 6, 10, 1, 0, tzinfo=UTC)
CONTEXT = DrawContext(
    tenderer=TENDERER,
    agent=AGENT,
    supervisors=frozenset({SUPERVISOR}),
    bidders=frozenset({BIDDER, "91320100MA1BIDDR02"}),
    evaluation_at=EVALUATION,
    evaluation_end=datetime(2026, 6, 10, 9, 0, tzinfo=UTC),
    regions_included=frozenset({"320000"}),
    regions_excluded=frozenset({"320111"}),
    max_draws_per_period=12,
)
REQUESTED = ("A0101", "A0701")
EXPERT = Candidate(expert_id="e-1", specialties=frozenset({"A0101"}), region="320102", employer=OTHER)

E = Exclusion


def test_a_plain_expert_is_eligible() -> None:
    assert exclusions(EXPERT, CONTEXT, REQUESTED) == frozenset()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        pytest.param({"employer": TENDERER}, E.EMPLOYER_IS_TENDERER, id="employer-tenderer"),
        pytest.param({"employer": BIDDER}, E.EMPLOYER_IS_BIDDER, id="employer-bidder"),
        pytest.param({"employer": AGENT}, E.EMPLOYER_IS_AGENT, id="employer-agent"),
        pytest.param({"employer": SUPERVISOR}, E.EMPLOYER_IS_SUPERVISOR, id="employer-supervisor"),
        pytest.param({"conflicts": frozenset({TENDERER})}, E.CONFLICT_TENDERER, id="conflict-tenderer"),
        pytest.param({"conflicts": frozenset({OTHER, BIDDER})}, E.CONFLICT_BIDDER, id="conflict-bidder"),
        pytest.param({"conflicts": frozenset({AGENT})}, E.CONFLICT_AGENT, id="conflict-agent"),
        pytest.param({"conflicts": frozenset({SUPERVISOR})}, E.CONFLICT_SUPERVISOR, id="conflict-supervisor"),
        pytest.param({"past_penalty": True}, E.PAST_PENALTY, id="past-penalty"),
        pytest.param(
            {"status": ExpertStatus.SUSPENDED, "suspended_until": date(2026, 6, 10)},
            E.SUSPENDED,
            id="suspended-through-the-day",
        ),
        pytest.param({"status": ExpertStatus.SUSPENDED}, E.SUSPENDED, id="suspended-until-lifted"),
        pytest.param({"status": ExpertStatus.RETIRED}, E.RETIRED, id="retired"),
        pytest.param(
            {"unavailable": (Unavailable(date(2026, 6, 10), date(2026, 6, 12)),)}, E.UNAVAILABLE, id="unavailable"
        ),
        pytest.param({"draws_in_period": 12}, E.DRAW_LIMIT, id="draw-limit"),
        pytest.param({"region": "320111"}, E.REGION_EXCLUDED, id="region-excluded"),
        pytest.param({"region": "340100"}, E.REGION_NOT_INCLUDED, id="region-not-included"),
        pytest.param({"specialties": frozenset({"B0201"})}, E.NO_SPECIALTY, id="no-specialty"),
    ],
)
def test_each_rule_excludes(change: dict[str, object], reason: Exclusion) -> None:
    assert exclusions(replace(EXPERT, **change), CONTEXT, REQUESTED) == {reason}  # type: ignore[arg-type]


def test_every_reason_code_has_a_worked_example() -> None:
    # The parametrised cases above name each reason at least once.
    assert {m.value for m in Exclusion} == {
        "employer_is_tenderer",
        "employer_is_bidder",
        "employer_is_agent",
        "employer_is_supervisor",
        "conflict_tenderer",
        "conflict_bidder",
        "conflict_agent",
        "conflict_supervisor",
        "past_penalty",
        "suspended",
        "retired",
        "unavailable",
        "draw_limit",
        "region_excluded",
        "region_not_included",
        "no_specialty",
    }


def test_every_reason_is_given_not_the_first() -> None:
    expert = replace(EXPERT, employer=BIDDER, conflicts=frozenset({AGENT}), status=ExpertStatus.RETIRED)
    assert exclusions(expert, CONTEXT, REQUESTED) == {E.EMPLOYER_IS_BIDDER, E.CONFLICT_AGENT, E.RETIRED}


def test_edges_that_stay_eligible() -> None:
    # A suspension whose last day is the day before the evaluation is over (the last day is included).
    ended = replace(EXPERT, status=ExpertStatus.SUSPENDED, suspended_until=date(2026, 6, 9))
    assert exclusions(ended, CONTEXT, REQUESTED) == frozenset()
    # Unavailable until the day before, or from the day after.
    for days in ((date(2026, 6, 1), date(2026, 6, 9)), (date(2026, 6, 11), date(2026, 6, 30))):
        assert exclusions(replace(EXPERT, unavailable=(Unavailable(*days),)), CONTEXT, REQUESTED) == frozenset()
    # One draw below the limit; no limit at all.
    assert exclusions(replace(EXPERT, draws_in_period=11), CONTEXT, REQUESTED) == frozenset()
    assert (
        exclusions(replace(EXPERT, draws_in_period=99), replace(CONTEXT, max_draws_per_period=None), REQUESTED)
        == frozenset()
    )
    # No employer; bidders not known yet (before the deadline).
    assert exclusions(replace(EXPERT, employer=None), CONTEXT, REQUESTED) == frozenset()
    assert exclusions(replace(EXPERT, employer=BIDDER), replace(CONTEXT, bidders=frozenset()), REQUESTED) == frozenset()
    # No regions included means everywhere (bar the excluded ones).
    assert (
        exclusions(replace(EXPERT, region="340100"), replace(CONTEXT, regions_included=frozenset()), REQUESTED)
        == frozenset()
    )


def test_the_evaluation_day_is_chinas() -> None:
    # 23:30 UTC on 9 June is 07:30 on 10 June in Nanjing: an expert away on 10 June is excluded.
    early = replace(CONTEXT, evaluation_at=datetime(2026, 6, 9, 23, 30, tzinfo=UTC), evaluation_end=None)
    away = replace(EXPERT, unavailable=(Unavailable(date(2026, 6, 10), date(2026, 6, 10)),))
    assert exclusions(away, early, REQUESTED) == {E.UNAVAILABLE}
    # A two-day evaluation catches an absence on its second day.
    two_days = replace(CONTEXT, evaluation_end=datetime(2026, 6, 11, 9, 0, tzinfo=UTC))
    second = replace(EXPERT, unavailable=(Unavailable(date(2026, 6, 11), date(2026, 6, 11)),))
    assert exclusions(second, two_days, REQUESTED) == {E.UNAVAILABLE}


def test_context_needs_aware_times_in_order() -> None:
    with pytest.raises(ValueError, match="timezone"):
        DrawContext(tenderer=TENDERER, evaluation_at=datetime(2026, 6, 10, 9))
    with pytest.raises(ValueError, match="precede"):
        DrawContext(tenderer=TENDERER, evaluation_at=EVALUATION, evaluation_end=datetime(2026, 6, 9, tzinfo=UTC))


def test_regions_by_gbt_2260_ancestry() -> None:
    assert region_within("320102", "320102")
    assert region_within("320102", "320100")  # a district of Nanjing
    assert region_within("320102", "320000")  # in Jiangsu
    assert not region_within("320102", "320200")  # not Wuxi
    assert not region_within("320000", "320100")  # the province is not within the city
    assert not region_within("330102", "320000")


def test_specialties_by_tree() -> None:
    assert holds_specialty({"A0101"}, "A01")
    assert holds_specialty({"A0101"}, "A")
    assert not holds_specialty({"A01"}, "A0101")
    assert served_specialties({"A0101", "B0201"}, frozenset({"A01", "A0101", "B0202", "C"})) == ["A01", "A0101"]


def test_split_pool() -> None:
    pool = [
        Candidate("e-3", frozenset({"A0101", "A0701"}), "320102"),
        Candidate("e-1", frozenset({"A0101"}), "320104"),
        Candidate("e-2", frozenset({"A0701"}), "320104", employer=BIDDER),
        Candidate("e-4", frozenset({"B0201"}), "320104", status=ExpertStatus.RETIRED),
        Candidate("e-5", frozenset({"A0102"}), "320104"),
    ]
    split = split_pool(pool, CONTEXT, ["A0701", "A01"])
    # Sorted ids under each requested code; an expert of two specialties under both; A01 takes A0101 and A0102.
    assert dict(split.eligible) == {"A01": ("e-1", "e-3", "e-5"), "A0701": ("e-3",)}
    assert dict(split.excluded) == {"e-2": {E.EMPLOYER_IS_BIDDER}}
    assert split.outside == 1  # e-4 holds none of them: not listed, whatever else is true of them
    with pytest.raises(ValueError, match="twice"):
        split_pool([*pool, pool[0]], CONTEXT, ["A0701"])
