"""Job functions. Importing this package registers them in :data:`bidding.jobs.registry.registry`."""

from bidding.jobs.tasks import bodies, heartbeat, integrity

__all__ = ["bodies", "heartbeat", "integrity"]
