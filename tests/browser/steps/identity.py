"""Who is who in the browser tests: the demo identities and logging in with one of them.

The demo (`bidding serve --demo`) writes a PKCS#12 file per user under the data dir and lists them
in ``identities.json`` (``user``, ``role``, ``p12``, ``passphrase``, ``organisation``, ``name``,
``fingerprint``…). A browser logs in the way a person does: import the ``.p12`` on ``/login``
(the key goes into IndexedDB, non-extractable) and sign the server's challenge.
"""

from __future__ import annotations

from typing import Any, Protocol

from playwright.sync_api import Page, expect


class HasDemoIdentities(Protocol):
    def demo_identities(self) -> list[dict[str, Any]]: ...


def demo_user(server: HasDemoIdentities, user: str) -> dict[str, Any]:
    """The demo user named ``user`` (agent, tenderer, bidder1…5, supervisor, auditor, admin…)."""
    return next(u for u in server.demo_identities() if u["user"] == user)


def demo_user_with_role(server: HasDemoIdentities, role: str) -> dict[str, Any]:
    """The first demo user with ``role`` (supervisor, auditor, bidder, …)."""
    return next(u for u in server.demo_identities() if u["role"] == role)


def log_in(page: Page, identity: dict[str, Any], *, import_p12: bool = True) -> dict[str, Any]:
    """Import the demo user's ``.p12`` into this browser profile and log in with it; returns the identity.

    ``import_p12=False`` when the profile already holds the key (a second login, e.g. after the
    session expired because a clocked server's time moved on): it is then only used.
    """
    page.goto("/login")
    if import_p12:
        page.get_by_test_id("p12-file").set_input_files(identity["p12"])
        page.get_by_test_id("p12-passphrase").fill(identity["passphrase"])
        page.get_by_test_id("p12-import").click()
    card = page.get_by_test_id("identity").filter(has_text=identity["fingerprint"])
    expect(card).to_have_count(1)
    card.get_by_test_id("identity-login").click()
    expect(page.get_by_test_id("header-user-org")).to_have_text(identity["organisation"])
    return identity
