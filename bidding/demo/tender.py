"""What the demo agent writes: tender documents (招标文件) as a PDF and the texts of its notices.

The PDF is laid out with the platform's own document code (:mod:`bidding.documents.layout`: A4,
embedded CJK font), as an agent's office would produce it; the platform stores and publishes it
like any uploaded file. Every time shown to people is Beijing time (UTC+8), as everywhere on the
platform; times are kept in UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Final

from bidding.documents.layout import (
    PageSetup,
    build_pdf,
    data_table,
    heading,
    key_value_table,
    paragraph,
    spacer,
    title,
)
from bidding.documents.money import chinese_uppercase, yuan

BEIJING: Final = timezone(timedelta(hours=8), "Asia/Shanghai")  # no daylight saving since 1991

CATEGORY_ZH: Final = {"works": "工程", "goods": "货物", "services": "服务"}


def beijing(moment: datetime) -> str:
    """``2026年12月28日 09:30（北京时间）``: how a notice states a time (stored in UTC)."""
    if moment.tzinfo is None:
        raise ValueError("a time shown to people must be timezone-aware")
    local = moment.astimezone(BEIJING)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}（北京时间）"


def beijing_at(now: datetime, days: int, hour: int, minute: int = 0) -> datetime:
    """The moment ``hour:minute`` Beijing time, ``days`` calendar days after ``now``'s Beijing date."""
    local = (now.astimezone(BEIJING) + timedelta(days=days)).replace(hour=hour, minute=minute, second=0, microsecond=0)
    return local.astimezone(now.tzinfo)


@dataclass(frozen=True)
class LotText:
    code: str
    name: str
    estimated_price_fen: int
    deposit_fen: int
    bid_deadline: datetime
    form_fields: Sequence[dict[str, Any]]


@dataclass(frozen=True)
class TenderText:
    """What the tender documents and notices of one project say."""

    code: str
    name: str
    category: str
    tenderer: str
    agent: str
    region: str
    lots: Sequence[LotText]
    documents_available_at: datetime


def _lot_rows(t: TenderText) -> list[list[str]]:
    return [
        [lot.code, lot.name, yuan(lot.estimated_price_fen), yuan(lot.deposit_fen), beijing(lot.bid_deadline)]
        for lot in t.lots
    ]


def tender_documents_pdf(t: TenderText, *, version: int, issued_at: datetime, note: str = "") -> bytes:
    """The tender documents (招标文件) of a project as a PDF; ``note`` says what a later version changes."""
    first = t.lots[0]
    story = [
        *title(f"{t.name}\n招标文件", "Tender documents"),
        key_value_table(
            [
                ("项目编号", "Project code", t.code),
                ("项目名称", "Project", t.name),
                ("采购类别", "Category", CATEGORY_ZH.get(t.category, t.category)),
                ("招标人", "Tenderer", t.tenderer),
                ("招标代理机构", "Tender agent", t.agent),
                ("项目地点", "Region", t.region),
                ("文件版本", "Version", f"第 {version} 版"),
            ]
        ),
    ]
    if note:
        story += [heading("本版修改说明", "Changes in this version"), paragraph(note)]
    story += [
        heading("第一章 招标公告", "Chapter 1: Tender announcement"),
        paragraph(
            f"{t.name}已批准建设，招标人为{t.tenderer}，委托{t.agent}公开招标，"
            f"现邀请符合资格条件的投标人参加投标。招标文件自{beijing(t.documents_available_at)}起在本平台免费下载。"
        ),
        data_table(
            ["标段", "名称", "估算价", "投标保证金", "投标截止（开标）时间"],
            _lot_rows(t),
            [0.6, 2.0, 1.7, 1.5, 2.9],
        ),
        heading("第二章 投标人须知", "Chapter 2: Instructions to bidders"),
        paragraph(
            "1. 本项目实行全流程电子化招标和不见面开标。投标人须使用本平台签发或互认的数字证书，"
            "在本地对投标文件加密并签名后上传；未加密的投标文件将被拒收（《电子招标投标办法》第二十六条）。"
        ),
        paragraph(
            "2. 投标文件须在投标截止时间前完整上传，平台即时出具带时间戳的电子回执；截止时间前投标人可以修改或撤回"
            "投标文件，任何人不能解密（《电子招标投标办法》第二十七条）。"
        ),
        paragraph(
            "3. 开标在投标截止时间于网上开标大厅进行。投标人在解密时限内用本单位证书在线解密；因投标人原因未能解密的，"
            "视为撤销投标文件；因投标人之外的原因未能解密的，视为撤回投标文件（《电子招标投标办法》第三十一条）。"
        ),
        paragraph(
            f"4. 投标保证金不超过估算价的 2%（《招标投标法实施条例》第二十六条），本项目第 {first.code} 标段为"
            f"{yuan(first.deposit_fen)}（{chinese_uppercase(first.deposit_fen)}），须从投标人基本账户缴纳。"
        ),
        paragraph("5. 投标人少于三家的，由开标主持人决定是否继续开标（《招标投标法实施条例》第四十四条）。"),
        heading("第三章 开标一览表", "Chapter 3: Opening form"),
        paragraph("开标时公布投标人名称、投标报价和下列内容（开标一览表），由投标人在加密前填写并签名："),
        data_table(
            ["字段", "Field", "类型"],
            [[f["label_zh"], f["label_en"], f["type"]] for f in first.form_fields],
            [2, 2, 1],
        ),
        heading("第四章 评标办法", "Chapter 4: Evaluation"),
        paragraph(
            "采用经评审的最低投标价法。评标委员会由招标人代表和从专家库中随机抽取的专家组成，"
            "与投标人有利害关系的专家应当回避；专家名单在中标结果确定前保密。"
        ),
        spacer(),
        paragraph(f"{t.agent}\n{beijing(issued_at)}"),
    ]
    setup = PageSetup(title_zh="招标文件", title_en="Tender documents", reference=t.code, issued_at=issued_at)
    return build_pdf(setup, story)


def tender_notice(t: TenderText) -> tuple[str, str]:
    """Title and text of the tender announcement (招标公告)."""
    lots = "\n".join(
        f"第 {lot.code} 标段 {lot.name}：估算价 {yuan(lot.estimated_price_fen)}，投标保证金 {yuan(lot.deposit_fen)}，"
        f"投标截止（开标）时间 {beijing(lot.bid_deadline)}"
        for lot in t.lots
    )
    body = (
        f"一、项目概况\n项目编号：{t.code}\n项目名称：{t.name}\n招标人：{t.tenderer}\n"
        f"招标代理机构：{t.agent}\n项目地点：{t.region}\n\n二、标段划分\n{lots}\n\n"
        f"三、招标文件的获取\n招标文件自{beijing(t.documents_available_at)}起在本平台免费下载，无需注册。\n\n"
        "四、投标文件的递交\n投标人使用数字证书在本地加密投标文件，在投标截止时间前通过本平台上传；逾期送达的，平台不予接收。\n\n"
        "五、开标\n开标在网上开标大厅进行，投标人无需到场，在线解密；公众可在平台观看开标直播。"
    )
    return f"{t.name}招标公告", body


def clarification_notice(t: TenderText, number: int, question: str, answer: str) -> tuple[str, str]:
    """Title and text of a clarification (澄清/答疑); the deadlines stay as they are."""
    body = (
        f"各潜在投标人：\n现对{t.name}（{t.code}）招标文件作如下澄清，本澄清是招标文件的组成部分。\n\n"
        f"问：{question}\n答：{answer}\n\n投标截止时间不变。"
    )
    return f"{t.name}招标文件澄清（第 {number} 号）", body


def amendment_notice(t: TenderText, number: int, change: str, deadlines: dict[str, datetime]) -> tuple[str, str]:
    """Title and text of an amendment (变更公告) that moves the bid deadlines (第23条: 15 days)."""
    moved = "\n".join(f"第 {code} 标段：{beijing(at)}" for code, at in sorted(deadlines.items()))
    body = (
        f"各潜在投标人：\n{t.name}（{t.code}）招标文件变更如下：{change}\n"
        f"新版招标文件已在本平台发布。为保证投标人有足够时间编制投标文件，投标截止（开标）时间顺延至：\n{moved}"
    )
    return f"{t.name}变更公告（第 {number} 号）", body


def termination_notice(t: TenderText, reason: str) -> tuple[str, str]:
    body = (
        f"{t.name}（{t.code}）因{reason}，经招标人决定终止招标。已获取招标文件的潜在投标人请停止编制投标文件；"
        "已缴纳的投标保证金将按规定原路退还。"
    )
    return f"{t.name}终止招标公告", body


def candidates_notice(
    t: TenderText, lot: LotText, ranked: Sequence[tuple[str, int]], start: datetime
) -> tuple[str, str]:
    """Candidate publicity (中标候选人公示, 条例 54: at least 3 days); ``ranked`` is (name, price in fen)."""
    names = "\n".join(
        f"第{'一二三'[i]}中标候选人：{name}，投标报价 {yuan(price)}" for i, (name, price) in enumerate(ranked[:3])
    )
    body = (
        f"{t.name}（{t.code}）第 {lot.code} 标段评标工作已结束，评标委员会推荐的中标候选人如下：\n{names}\n\n"
        f"公示期：{beijing(start)}起 3 日。投标人或者其他利害关系人对评标结果有异议的，应当在公示期间提出"
        "（《招标投标法实施条例》第五十四条）。"
    )
    return f"{t.name}中标候选人公示", body


def award_notice(t: TenderText, lot: LotText, winner: str, price_fen: int) -> tuple[str, str]:
    body = (
        f"{t.name}（{t.code}）第 {lot.code} 标段（{lot.name}）经评标委员会评审、中标候选人公示期满无异议，"
        f"招标人确定中标人如下：\n中标人：{winner}\n中标价：{yuan(price_fen)}（{chinese_uppercase(price_fen)}）\n\n"
        "招标人将向中标人发出中标通知书，并将中标结果通知所有未中标的投标人。"
    )
    return f"{t.name}中标结果公告", body
