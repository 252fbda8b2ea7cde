"""Organisations on the platform and what kind of party each is."""

from __future__ import annotations

import enum


class OrgKind(enum.StrEnum):
    TRADING_CENTRE = "trading_centre"  # 公共资源交易中心: runs the platform
    AGENT = "agent"  # 招标代理
    TENDERER = "tenderer"  # 招标人
    BIDDER = "bidder"  # 投标人
    SUPERVISOR = "supervisor"  # 行政监督部门


class OrgStatus(enum.StrEnum):
    PENDING = "pending"  # registered, waiting for approval
    APPROVED = "approved"
    SUSPENDED = "suspended"
    REFUSED = "refused"  # the administrator refused the registration, with a reason (told to the organisation)
