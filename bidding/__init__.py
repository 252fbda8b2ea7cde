"""The trading service: app factory, HTTP API, organisations, projects, jobs and the CLI."""

from typing import Final

__version__ = "0.1.0"

#: The product's one name, in the README, the CLI, the web app's header and every issued PDF
#: (the web app's copy in frontend/src/i18n is pinned to these by tests/unit/test_product_name.py).
PRODUCT_NAME_ZH: Final = "电子招投标与不见面开标平台"
PRODUCT_NAME_EN: Final = "e-Bidding and Remote Bid-Opening Platform"
