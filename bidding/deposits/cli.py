"""`bidding deposits …`: the deposit service on the command line. One group; each part of the
service adds its commands here (statements: :mod:`bidding.deposits.book_cli`; refunds:
:mod:`bidding.deposits.refund_cli`)."""

from __future__ import annotations

import click

from bidding.deposits.book_cli import import_statements
from bidding.deposits.refund_cli import refunds

__all__ = ["COMMANDS", "deposits"]


@click.group("deposits")
def deposits() -> None:
    """Deposits (投标保证金): bank statements, refunds."""


deposits.add_command(import_statements)
deposits.add_command(refunds)

COMMANDS = (deposits,)
