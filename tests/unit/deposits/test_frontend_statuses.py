"""The web app's copy of the deposit statuses (``frontend/src/room/state.ts``) is the server's
(``bidding.deposits.matching.DepositStatus``), and so are the opening record's labels."""

from __future__ import annotations

import re
from pathlib import Path

from bidding.deposits.matching import DepositStatus
from bidding.documents.opening_record import DEPOSIT_LABELS

STATE_TS = Path(__file__).resolve().parents[3] / "frontend" / "src" / "room" / "state.ts"


def test_the_web_app_knows_every_status() -> None:
    found = re.search(r"DEPOSIT_STATUSES = \[([^\]]*)\]", STATE_TS.read_text(encoding="utf-8"))
    assert found is not None
    assert re.findall(r"'([a-z_]+)'", found.group(1)) == [s.value for s in DepositStatus]


def test_the_record_names_every_status() -> None:
    assert {s.value for s in DepositStatus} <= set(DEPOSIT_LABELS)
