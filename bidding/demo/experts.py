"""The demo's expert pool (专家库): 48 invented experts in the specialties of the demo's projects, so
the administrator's pool pages and a draw have something to show.

Loaded through the pool's own import (:func:`bidding.experts.pool_import.import_pool`, the CSV a
centre would upload), so every demo expert passes the rules a real one must (规定 11: eight years
and a senior title; valid credit codes and region codes) and loading twice changes nothing (the
registry number is the key). Two imaging experts work for the first demo bidder: a draw for the
demo's imaging lot must recuse them (规定 12), which the supervisor's view of the draw shows.

Every name, number and address is made up; mobiles are in the 199 range and e-mails at
``example.cn`` (RFC 2606-style), so nothing here reaches a real person.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from bidding.core.actor import Actor
from bidding.experts.pool import id_number_key
from bidding.experts.pool_import import ImportResult, import_pool
from crypto.subject import make_credit_code

__all__ = ["DEMO_POOL_SIZE", "demo_pool_csv", "load_demo_pool"]

#: Specialty → how many demo experts hold it (the imaging lot of the live opening, building works,
#: cost, IT equipment and software, audit).
_SPECIALTIES: Final = (
    ("B0301", 12),
    ("A0101", 10),
    ("A0701", 8),
    ("B0201", 6),
    ("C0201", 8),
    ("C0502", 4),
)
DEMO_POOL_SIZE: Final = sum(n for _, n in _SPECIALTIES)

_SURNAMES: Final = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张"
_GIVEN: Final = ("建华", "志强", "秀英", "海燕", "国栋", "丽娟", "伟民", "晓东", "春梅", "振宇", "文博", "嘉怡")
_EMPLOYERS: Final = (
    ("东南大学", "12100000466006770"),
    ("南京医科大学第一附属医院", "12320000466002753"),
    ("江苏省建筑设计研究院", "91320000134750263"),
    ("南京工业大学", "12320000466007061"),
    ("江苏省工程造价管理协会", "51320000509123776"),
    ("河海大学", "12100000466007208"),
    ("南京邮电大学", "12320000466007528"),
    ("江苏苏亚金诚会计师事务所", "91320000134789043"),
)
_REGIONS: Final = ("320102", "320106", "320111", "320200", "320500", "321000")
_TITLES: Final = (("正高级", "教授级高级工程师"), ("副高级", "高级工程师"), ("副高级", "副主任医师"))
_HEADER: Final = (
    "专家编号",
    "姓名",
    "手机号码",
    "电子邮箱",
    "工作单位统一社会信用代码",
    "工作单位",
    "职称级别",
    "职称名称",
    "从业年限",
    "地区代码",
    "评标专业",
)


def demo_pool_csv(conflicted_employer: tuple[str, str]) -> bytes:
    """The demo pool as the pool import's CSV (UTF-8 with BOM, as spreadsheet programs write it).

    ``conflicted_employer`` (name, credit code): the organisation the first two imaging experts
    work for (the first demo bidder), so a draw for a lot it bids on must recuse them.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_HEADER)
    number = 0
    for code, count in _SPECIALTIES:
        for i in range(count):
            number += 1
            name = _SURNAMES[number % len(_SURNAMES)] + _GIVEN[number % len(_GIVEN)]
            employer, employer_code = _EMPLOYERS[number % len(_EMPLOYERS)]
            if code == "B0301" and i < 2:
                employer, employer_code = conflicted_employer
            else:
                employer_code = make_credit_code(employer_code)
            level, title = _TITLES[number % len(_TITLES)]
            writer.writerow(
                (
                    f"DEMO-E{number:03d}",
                    name,
                    f"199{number:08d}",
                    f"expert{number:03d}@example.cn",
                    employer_code,
                    employer,
                    level,
                    title,
                    8 + number % 20,
                    _REGIONS[number % len(_REGIONS)],
                    code,
                )
            )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


async def load_demo_pool(
    db: AsyncSession, *, secret_key: str, conflicted_employer: tuple[str, str], now: datetime
) -> int:
    """Import the demo pool in the caller's transaction; returns how many experts were added."""
    result: ImportResult = await import_pool(
        db,
        Actor.system("demo"),
        demo_pool_csv(conflicted_employer),
        key=id_number_key(secret_key),
        now=now,
        fmt="csv",
        source_name="demo-experts.csv",
    )
    return result.registered
