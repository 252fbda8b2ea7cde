"""Supervision on the wire: thin controllers over the services of ``bidding.supervision``."""
