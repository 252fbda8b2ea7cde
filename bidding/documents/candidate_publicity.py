"""Candidate publicity (中标候选人公示): the ranked candidates of one lot as the evaluation report has
them, published within 3 days of the report for at least 3 days (《招标投标法实施条例》第五十四条;
RULES c11), with what 10号令 asks of it (RULES c12): each candidate's rank, name, price, duration and
quality, the project manager promised in the bid with the certificate number, the evaluation summary,
and how to object.

Chinese first, English second, as every platform PDF; the same data gives the same bytes
(:func:`bidding.documents.layout.build_pdf`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from reportlab.platypus import Flowable

from bidding.documents import layout
from bidding.documents.layout import PageSetup, heading, keep, key_value_table, paragraph, spacer, title
from bidding.documents.money import chinese_uppercase, yuan

__all__ = ["NOT_DECLARED", "TITLE_EN", "TITLE_ZH", "PublicityCandidate", "PublicityData", "render_candidate_publicity"]

TITLE_ZH: Final = "中标候选人公示"
TITLE_EN: Final = "Publicity of the candidates"
#: What the publicity says of a field the bidder's opening form did not declare (RULES c12 asks for
#: the project manager: the platform shows it is missing rather than leaving a blank).
NOT_DECLARED: Final = "未在开标一览表中填报 / not declared in the opening form"
_RANKS: Final = {1: "第一", 2: "第二", 3: "第三"}


@dataclass(frozen=True)
class PublicityCandidate:
    """One ranked candidate (条例 53: at most three)."""

    rank: int
    bidder: str
    credit_code: str
    price_fen: int
    total: str | None = None  # the total score as the report prints it ("87.50"); None: lowest price method
    duration_days: int | None = None
    quality: str | None = None
    project_manager: str | None = None
    project_manager_certificate: str | None = None


@dataclass(frozen=True)
class PublicityData:
    """Everything the publicity shows. Times are timezone-aware (UTC)."""

    number: str
    project_code: str
    project_name: str
    lot_code: str
    lot_name: str
    tenderer: str
    agent: str
    candidates: Sequence[PublicityCandidate]
    method_zh: str
    method_en: str
    report_number: str
    report_final_at: datetime
    published_at: datetime  # also the PDF's creation date
    closes_at: datetime  # the earliest close: 00:00 China time after 3 full days (条例 54)
    platform_name: str = layout.DEFAULT_PLATFORM_NAME


def _or_missing(value: object) -> str:
    return NOT_DECLARED if value is None or str(value).strip() == "" else str(value)


def _candidate_rows(c: PublicityCandidate) -> list[tuple[str, str, layout.Cell]]:
    duration = f"{c.duration_days} 日历天 / calendar days" if c.duration_days is not None else NOT_DECLARED
    return [
        ("排名", "Rank", f"{_RANKS.get(c.rank, f'第{c.rank}')}名 / No. {c.rank}"),
        ("中标候选人", "Candidate", c.bidder),
        ("统一社会信用代码", "Unified social credit code", c.credit_code),
        ("投标报价", "Bid price", f"{yuan(c.price_fen)}\n人民币大写：{chinese_uppercase(c.price_fen)}"),
        ("工期", "Duration", duration),
        ("质量标准", "Quality", _or_missing(c.quality)),
        ("项目负责人（项目经理）", "Project manager (promised)", _or_missing(c.project_manager)),
        ("项目经理证书编号", "Project manager's certificate", _or_missing(c.project_manager_certificate)),
        ("评标得分", "Total score", c.total if c.total is not None else "—（经评审的最低投标价法 / lowest price）"),
    ]


def _how_to_object(d: PublicityData) -> list[Flowable]:
    closes = layout.shanghai(d.closes_at)
    return [
        paragraph(
            "投标人或者其他利害关系人对评标结果有异议的，应当在公示期内（"
            f"{closes} 前）通过本平台提出：登录平台，在本标段的定标页面提交异议，写明异议事项和理由，"
            "可附证明材料，并以数字证书签名。招标人自收到异议之日起3日内作出答复；作出答复前，"
            "暂停招标投标活动（《招标投标法实施条例》第五十四条）。对答复不满意或者招标人逾期未答复的，"
            "可以依法向有关行政监督部门投诉（第六十条）。"
        ),
        spacer(1.5),
        paragraph(
            "A bidder or other interested party who objects to the evaluation result raises the objection on "
            f"this platform during the publicity (before {closes}): log in, open the award page of this lot, "
            "state the objection and its grounds, attach any evidence and sign it with the digital certificate. "
            "The tenderer answers within 3 days of receiving it, and the tender is suspended until it does "
            "(Regulations on the Implementation of the Tendering and Bidding Law, Article 54). A party not "
            "satisfied with the answer, or not answered in time, may complain to the supervising authority "
            "(Article 60)."
        ),
    ]


def render_candidate_publicity(d: PublicityData) -> bytes:
    """The unsigned publicity PDF; the same data always gives the same bytes."""
    if d.closes_at <= d.published_at:
        raise ValueError("closes_at must be after published_at")
    if not d.candidates:
        raise ValueError("a publicity names at least one candidate")
    ranks = [c.rank for c in d.candidates]
    if ranks != sorted(ranks) or len(set(ranks)) != len(ranks):
        raise ValueError("candidates must be in rank order, each rank once")
    rows: list[tuple[str, str, layout.Cell]] = [
        ("公示编号", "Publicity number", d.number),
        ("项目", "Project", f"{d.project_code}  {d.project_name}"),
        ("标段（包）", "Lot", f"{d.lot_code}  {d.lot_name}"),
        ("招标人", "Tenderer", d.tenderer or "—"),
        ("招标代理机构", "Tender agent", d.agent or "—"),
        ("公示开始", "Published", layout.shanghai(d.published_at)),
        ("公示截止", "Publicity ends", f"{layout.shanghai(d.closes_at)}（不少于3日 / at least 3 full days）"),
    ]
    story: list[Flowable] = [*title(TITLE_ZH, TITLE_EN), key_value_table(rows)]
    story.append(heading("一、中标候选人（按排名）", "1. Candidates, in rank order"))
    for c in d.candidates:
        story += [keep(key_value_table(_candidate_rows(c))), spacer(2)]
    story += [
        heading("二、评标情况", "2. Evaluation summary"),
        key_value_table(
            [
                ("评标办法", "Evaluation method", f"{d.method_zh} / {d.method_en}"),
                ("评标报告编号", "Evaluation report", d.report_number),
                ("评标报告定稿", "Report final", layout.shanghai(d.report_final_at)),
                (
                    "评标结果",
                    "Result",
                    "; ".join(
                        f"第{c.rank}名 {c.bidder}" + (f"（{c.total} 分 / points）" if c.total is not None else "")
                        for c in d.candidates
                    ),
                ),
            ]
        ),
        heading("三、公示期", "3. Publicity period"),
        paragraph(
            f"自 {layout.shanghai(d.published_at)} 起至 {layout.shanghai(d.closes_at)} 止，不少于3日"
            "（《招标投标法实施条例》第五十四条）。"
        ),
        paragraph(
            f"From {layout.shanghai(d.published_at)} to {layout.shanghai(d.closes_at)}: at least 3 full days "
            "(Article 54)."
        ),
        heading("四、异议方式", "4. How to object"),
        *_how_to_object(d),
    ]
    setup = PageSetup(TITLE_ZH, TITLE_EN, d.number, d.published_at, d.platform_name)
    return layout.build_pdf(setup, story)
