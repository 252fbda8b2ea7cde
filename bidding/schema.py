"""The whole schema: every capability's tables on one metadata, for Alembic and for tests.

The composition root's, like the app factory: the core knows no capability's tables.
"""

from __future__ import annotations

import bidding.audit.models
import bidding.awards.models
import bidding.core.jobs.models
import bidding.core.pki.models
import bidding.deposits.models
import bidding.deposits.participation_models
import bidding.deposits.refund_models
import bidding.evaluation.models
import bidding.experts.draw_models
import bidding.experts.models
import bidding.identity.models
import bidding.messaging.models
import bidding.opendata.models
import bidding.submission.models
import bidding.supervision.models
import bidding.tendering.models
import bidding.transparency.models
import opening_room.tables
from bidding.core.db.base import Base

__all__ = ["MODULES", "metadata"]

#: The modules that declare tables (imported above for their side effect on the metadata).
MODULES = (
    bidding.audit.models,
    bidding.awards.models,
    bidding.core.jobs.models,
    bidding.core.pki.models,
    bidding.deposits.models,
    bidding.deposits.participation_models,
    bidding.deposits.refund_models,
    bidding.evaluation.models,
    bidding.experts.draw_models,
    bidding.experts.models,
    bidding.identity.models,
    bidding.messaging.models,
    bidding.opendata.models,
    bidding.submission.models,
    bidding.supervision.models,
    bidding.tendering.models,
    bidding.transparency.models,
    opening_room.tables,
)
metadata = Base.metadata
