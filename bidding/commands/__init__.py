"""Subcommands of `bidding`, one module per concern; `bidding.cli` registers them."""
