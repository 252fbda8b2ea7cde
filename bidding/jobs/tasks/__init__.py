"""Job functions. Importing this package registers them in :data:`bidding.jobs.registry.registry`."""

from bidding.jobs.tasks import bodies, heartbeat, integrity, staging

__all__ = ["bodies", "heartbeat", "integrity", "staging"]
