"""Job functions. Importing this package registers them in :data:`bidding.jobs.registry.registry`."""

from bidding.jobs.tasks import heartbeat, integrity

__all__ = ["heartbeat", "integrity"]
