"""Award announcement (中标结果公告): the winning bidder and price of a lot, published by the
platform once the result is final (《招标投标法实施条例》第五十四条 for the publicity period).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from bidding.documents import layout
from bidding.documents.layout import PageSetup, heading, key_value_table, paragraph, spacer, title
from bidding.documents.money import chinese_uppercase, yuan

TITLE_ZH: Final = "中标结果公告"
TITLE_EN: Final = "Award announcement"


@dataclass(frozen=True)
class AwardData:
    """Everything an award announcement shows. Times are timezone-aware (UTC)."""

    notice_number: str
    project_code: str
    project_name: str
    lot_code: str
    lot_name: str
    winner_name: str
    winner_credit_code: str
    price_fen: int
    publicity_start: datetime
    publicity_end: datetime
    published_at: datetime  # the announcement's date; also the PDF creation date
    tenderer: str = ""
    agent: str = ""
    remarks: str = ""
    platform_name: str = layout.DEFAULT_PLATFORM_NAME


def render_award(d: AwardData) -> bytes:
    """The unsigned award announcement PDF; the same data always gives the same bytes."""
    if d.publicity_end < d.publicity_start:
        raise ValueError("publicity_end is before publicity_start")
    rows: list[tuple[str, str, layout.Cell]] = [
        ("公告编号", "Notice number", d.notice_number),
        ("项目", "Project", f"{d.project_code}  {d.project_name}"),
        ("标段（包）", "Lot", f"{d.lot_code}  {d.lot_name}"),
    ]
    if d.tenderer:
        rows.append(("招标人", "Tenderer", d.tenderer))
    if d.agent:
        rows.append(("招标代理机构", "Tender agent", d.agent))
    rows += [
        ("中标人", "Winning bidder", d.winner_name),
        ("统一社会信用代码", "Unified social credit code", d.winner_credit_code),
        ("中标价", "Award price", f"{yuan(d.price_fen)}\n人民币大写：{chinese_uppercase(d.price_fen)}"),
        (
            "公示期",
            "Publicity period",
            f"{layout.shanghai(d.publicity_start)} 至 to\n{layout.shanghai(d.publicity_end)}",
        ),
        ("公告日期", "Date", f"{layout.shanghai_date(d.published_at)}（{layout.shanghai(d.published_at)}）"),
    ]
    story = [
        *title(TITLE_ZH, TITLE_EN),
        key_value_table(rows),
        heading("说明", "Notes"),
        paragraph(
            "投标人或者其他利害关系人对本结果有异议的，可在公示期内通过本平台提出（《招标投标法实施条例》"
            "第五十四条、第六十条）。"
        ),
        spacer(1.5),
        paragraph(
            "Bidders and other interested parties may raise an objection to this result on the platform "
            "during the publicity period (Regulations on the Implementation of the Tendering and Bidding Law, "
            "Articles 54 and 60)."
        ),
    ]
    if d.remarks:
        story += [heading("备注", "Remarks"), paragraph(d.remarks)]
    setup = PageSetup(TITLE_ZH, TITLE_EN, d.notice_number, d.published_at, d.platform_name)
    return layout.build_pdf(setup, story)
