"""The audit trail: recording events, and checking stored objects against it."""
