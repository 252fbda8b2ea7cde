"""The award notice (中标通知书) to the winner and the result notice (中标结果通知书) to every other
evaluated bidder, sent in one batch (法 45: "中标人确定后，招标人应当向中标人发出中标通知书，并同时将
中标结果通知所有未中标的投标人"; issue 21, RULES c14–c15).

* The **award notice** names the winner, the award price (in yuan and 人民币大写), the duration, the
  quality and the promised project manager as bid, and says the contract is signed within 30 days of
  the notice on the terms of the tender documents and the winning bid (法 46), the notice binding
  both parties (法 45).
* The **result notice** tells a loser who won and at what price; in government procurement it also
  gives the loser its own rank and score (87号令 69: 未中标人本人的评审得分与排序) and the names of the
  evaluation committee, published with the award (87号令 69).

Chinese first, English below (DESIGN §7). Deterministic: the same data gives the same bytes (the
PDF's creation date is the notice's issue time, :mod:`bidding.documents.layout`). The PDFs are
unsigned here; the batch signs each with the platform's key (:mod:`bidding.awards.notices`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from bidding.documents import layout
from bidding.documents.layout import PageSetup, heading, key_value_table, paragraph, spacer, title
from bidding.documents.money import chinese_uppercase, yuan

__all__ = [
    "AWARD_TITLE_EN",
    "AWARD_TITLE_ZH",
    "RESULT_TITLE_EN",
    "RESULT_TITLE_ZH",
    "AwardNoticeData",
    "ResultNoticeData",
    "render_award_notice",
    "render_result_notice",
]

AWARD_TITLE_ZH: Final = "中标通知书"
AWARD_TITLE_EN: Final = "Notice of award"
RESULT_TITLE_ZH: Final = "中标结果通知书"
RESULT_TITLE_EN: Final = "Notice of the tender result"
_NONE: Final = "—"


@dataclass(frozen=True)
class AwardNoticeData:
    """Everything the award notice shows. Times are aware (UTC); money in fen."""

    number: str
    project_code: str
    project_name: str
    lot_code: str
    lot_name: str
    tenderer: str
    agent: str
    winner_name: str
    winner_credit_code: str
    price_fen: int
    issued_at: datetime
    #: 法 46: the last day to sign the contract (30 days after the notice).
    contract_due_on: date
    duration_days: str | None = None
    quality: str | None = None
    project_manager: str | None = None
    project_manager_certificate: str | None = None
    #: 87号令: the purchaser's award (中标/成交); the notice's articles differ.
    government_procurement: bool = False
    #: 视同排名第一: the purchaser did not choose in time (87号令; RULES c15).
    deemed: bool = False
    platform_name: str = layout.DEFAULT_PLATFORM_NAME


@dataclass(frozen=True)
class ResultNoticeData:
    """Everything a result notice to a loser shows."""

    number: str
    project_code: str
    project_name: str
    lot_code: str
    lot_name: str
    tenderer: str
    agent: str
    bidder_name: str
    bidder_credit_code: str
    winner_name: str
    winner_credit_code: str
    price_fen: int
    issued_at: datetime
    government_procurement: bool = False
    #: Government procurement: the loser's own rank (None: not ranked, e.g. rejected) and score.
    own_rank: int | None = None
    own_score: str | None = None
    #: The loser's bid failed the preliminary review (否决, 条例 51): no rank, no score.
    rejected: bool = False
    #: Government procurement: the committee's names, published with the award (87号令 69).
    experts: tuple[str, ...] = ()
    platform_name: str = layout.DEFAULT_PLATFORM_NAME


def _money(fen: int) -> str:
    return f"{yuan(fen)}\n人民币大写：{chinese_uppercase(fen)}"


def _or_none(value: str | None) -> str:
    return value if value not in (None, "") else _NONE


def _head(number: str, project: str, lot: str, tenderer: str, agent: str) -> list[tuple[str, str, layout.Cell]]:
    rows: list[tuple[str, str, layout.Cell]] = [
        ("通知书编号", "Notice number", number),
        ("项目", "Project", project),
        ("标段（包）", "Lot", lot),
    ]
    if tenderer:
        rows.append(("招标人（采购人）", "Tenderer (purchaser)", tenderer))
    if agent:
        rows.append(("招标代理机构", "Tender agent", agent))
    return rows


def render_award_notice(d: AwardNoticeData) -> bytes:
    """The unsigned award notice PDF (中标通知书; 法 45–46); the same data gives the same bytes."""
    rows = _head(d.number, f"{d.project_code}  {d.project_name}", f"{d.lot_code}  {d.lot_name}", d.tenderer, d.agent)
    rows += [
        ("中标人", "Winning bidder", d.winner_name),
        ("统一社会信用代码", "Unified social credit code", d.winner_credit_code),
        ("中标价", "Award price", _money(d.price_fen)),
        ("工期（日历天）", "Duration (calendar days)", _or_none(d.duration_days)),
        ("质量标准", "Quality", _or_none(d.quality)),
        ("项目经理", "Project manager", _or_none(d.project_manager)),
        ("项目经理证书编号", "Project manager's certificate", _or_none(d.project_manager_certificate)),
        ("发出日期", "Issued", f"{layout.shanghai_date(d.issued_at)}（{layout.shanghai(d.issued_at)}）"),
        ("合同签订期限", "Sign the contract by", f"{d.contract_due_on:%Y-%m-%d}（含当日 / inclusive）"),
    ]
    if d.government_procurement:
        law_zh = "《政府采购货物和服务招标投标管理办法》（财政部令第87号）第六十九条、第七十一条"
        law_en = "MoF Order No. 87, Articles 69 and 71"
    else:
        law_zh = "《中华人民共和国招标投标法》第四十五条、第四十六条"
        law_en = "the Tendering and Bidding Law, Articles 45 and 46"
    story = [
        *title(AWARD_TITLE_ZH, AWARD_TITLE_EN),
        paragraph(f"{d.winner_name}："),
        spacer(1),
        paragraph(
            f"经评标委员会评审并依法确定，贵单位为上述项目标段（包）的中标人，中标价为人民币{chinese_uppercase(d.price_fen)}"
            f"（{yuan(d.price_fen)}）。请自本通知书发出之日起30日内，按照招标文件和贵单位的投标文件与招标人订立书面"
            f"合同，合同的标的、价款、质量、履行期限等主要条款应当与招标文件和中标人的投标文件的内容一致。"
            f"中标通知书对招标人和中标人具有法律效力（{law_zh}）。"
        ),
        spacer(1.5),
        paragraph(
            f"Your bid has been selected for the lot above at the award price of {yuan(d.price_fen)}. Please sign a "
            "written contract with the tenderer within 30 days of this notice, on the terms of the tender documents "
            "and your bid; its subject, price, quality and period must agree with them. This notice binds the "
            f"tenderer and the winning bidder ({law_en})."
        ),
        spacer(2),
        key_value_table(rows),
    ]
    if d.deemed:
        story += [
            heading("说明", "Note"),
            paragraph(
                "采购人在评审报告送达后5个工作日内未确定中标人，视同按评审报告推荐的顺序确定排名第一的中标候选人为中标人"
                "（视同排名第一）。"
            ),
            paragraph(
                "The purchaser did not choose within 5 working days of the evaluation report: the first-ranked "
                "candidate is deemed chosen."
            ),
        ]
    story += [
        spacer(2),
        paragraph("本通知书由平台以电子签名签署，可在平台上验证签名。", layout.SMALL),
        paragraph(
            "This notice is signed electronically by the platform; its signature can be verified on the platform.",
            layout.SMALL,
        ),
    ]
    setup = PageSetup(AWARD_TITLE_ZH, AWARD_TITLE_EN, d.number, d.issued_at, d.platform_name)
    return layout.build_pdf(setup, story)


def render_result_notice(d: ResultNoticeData) -> bytes:
    """The unsigned result notice PDF to a loser (中标结果通知书; 法 45; government procurement with its
    own rank and score and the committee's names, 87号令 69); the same data gives the same bytes."""
    rows = _head(d.number, f"{d.project_code}  {d.project_name}", f"{d.lot_code}  {d.lot_name}", d.tenderer, d.agent)
    rows += [
        ("投标人", "Bidder", d.bidder_name),
        ("统一社会信用代码", "Unified social credit code", d.bidder_credit_code),
        ("中标人", "Winning bidder", f"{d.winner_name}（{d.winner_credit_code}）"),
        ("中标价", "Award price", _money(d.price_fen)),
    ]
    if d.government_procurement:
        if d.rejected:
            own = "投标未通过资格性或符合性审查，无评审得分与排序 / did not pass the review: no score or rank"
            rows.append(("贵单位评审得分与排序", "Your score and rank", own))
        else:
            rows += [
                ("贵单位评审得分", "Your score", _or_none(d.own_score)),
                ("贵单位排序", "Your rank", str(d.own_rank) if d.own_rank is not None else _NONE),
            ]
        rows.append(("评审专家", "Evaluation committee", "、".join(d.experts) if d.experts else _NONE))
    rows.append(("发出日期", "Issued", f"{layout.shanghai_date(d.issued_at)}（{layout.shanghai(d.issued_at)}）"))
    if d.government_procurement:
        body_zh = (
            "本项目采购结果已确定，贵单位未中标。现将中标人、中标价以及贵单位本人的评审得分与排序告知如下"
            "（《政府采购货物和服务招标投标管理办法》第六十九条）。对采购结果有疑问的，可以依法提出询问或质疑。"
        )
        body_en = (
            "The result of this procurement is final and your bid was not selected. The winner, the price and your "
            "own score and rank are below (MoF Order No. 87, Article 69). You may ask about or challenge the result "
            "as the law provides."
        )
    else:
        body_zh = (
            "本项目中标人已确定，贵单位未中标。现将中标结果通知如下（《中华人民共和国招标投标法》第四十五条）。"
            "感谢贵单位的参与。"
        )
        body_en = (
            "The winning bidder of this lot has been determined and your bid was not selected. The result is below "
            "(the Tendering and Bidding Law, Article 45). Thank you for taking part."
        )
    story = [
        *title(RESULT_TITLE_ZH, RESULT_TITLE_EN),
        paragraph(f"{d.bidder_name}："),
        spacer(1),
        paragraph(body_zh),
        spacer(1.5),
        paragraph(body_en),
        spacer(2),
        key_value_table(rows),
        spacer(2),
        paragraph("本通知书由平台以电子签名签署，可在平台上验证签名。", layout.SMALL),
        paragraph(
            "This notice is signed electronically by the platform; its signature can be verified on the platform.",
            layout.SMALL,
        ),
    ]
    setup = PageSetup(RESULT_TITLE_ZH, RESULT_TITLE_EN, d.number, d.issued_at, d.platform_name)
    return layout.build_pdf(setup, story)
