"""Roles a user holds on the platform, bound to their organisation by their certificate."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    BIDDER = "bidder"
    AGENT = "agent"
    TENDERER = "tenderer"
    SUPERVISOR = "supervisor"
    EXPERT = "expert"
    AUDITOR = "auditor"
    ADMIN = "admin"
