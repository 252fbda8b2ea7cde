"""The demo's evaluation criteria (评标办法), one per category, set on every demo lot as the agent
would have published them with the tender documents (issue 20; ``docs/evaluation.md`` §Criteria).

Works and services follow the tendering law's 综合评估法 (规定 34–37), goods government
procurement's 综合评分法 with the price at 30 % (87号令 55); each has the three stages of the
preliminary review with the clause of the tender documents that a rejection cites (条例 51).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from bidding.evaluation.criteria import validate_criteria
from bidding.evaluation.criteria_wire import criteria_dict, criteria_from_dict, criteria_sha256
from bidding.evaluation.models import LotCriteria
from bidding.tendering.rules.projects import Category

__all__ = ["DEMO_CRITERIA", "set_demo_criteria"]

_CHECKLIST: Final = [
    {
        "name_zh": "投标函签字盖章",
        "name_en": "Bid letter signed and sealed",
        "stage": "formal",
        "clause": "第二章 3.1.1",
    },
    {
        "name_zh": "营业执照与资质证书",
        "name_en": "Licence and qualification",
        "stage": "qualification",
        "clause": "第二章 3.2.1",
    },
    {
        "name_zh": "工期（服务期）满足要求",
        "name_en": "Duration meets the requirement",
        "stage": "responsiveness",
        "clause": "第二章 3.3.2",
    },
]


def _item(zh: str, en: str, maximum: str, *, system: bool = False, price: bool = False) -> dict[str, Any]:
    return {
        "name_zh": zh,
        "name_en": en,
        "maximum": maximum,
        "nature": "objective" if system else "subjective",
        "scorer": "system" if system else "each_expert",
        "is_price": price,
    }


DEMO_CRITERIA: Final[dict[Category, dict[str, Any]]] = {
    Category.WORKS: {
        "method": "comprehensive",
        "category": "works",
        "government_procurement": False,
        "scoring_items": [
            _item("投标报价", "Price", "40", system=True, price=True),
            _item("施工组织设计", "Construction plan", "35"),
            _item("项目管理机构", "Project team", "25"),
        ],
        "checklist": _CHECKLIST,
    },
    Category.SERVICES: {
        "method": "comprehensive",
        "category": "services",
        "government_procurement": False,
        "scoring_items": [
            _item("投标报价", "Price", "30", system=True, price=True),
            _item("服务方案", "Service plan", "45"),
            _item("人员配备", "Staffing", "25"),
        ],
        "checklist": _CHECKLIST,
    },
    Category.GOODS: {
        "method": "comprehensive_scoring",
        "category": "goods",
        "government_procurement": True,
        "scoring_items": [
            _item("投标报价", "Price", "30", system=True, price=True),
            _item("技术参数响应", "Technical compliance", "50"),
            _item("售后服务", "After-sales service", "20"),
        ],
        "checklist": _CHECKLIST,
    },
}


def set_demo_criteria(db: AsyncSession, lot_id: uuid.UUID, category: Category, *, at: datetime, by: str) -> None:
    """The lot's criteria as published with its documents (checked by the same validator as the agent's)."""
    criteria = criteria_from_dict(DEMO_CRITERIA[category])
    validate_criteria(criteria)
    data = criteria_dict(criteria)  # the canonical form the agent's API stores
    db.add(LotCriteria(lot_id=lot_id, criteria=data, sha256=criteria_sha256(data), set_by=by, set_at=at))
