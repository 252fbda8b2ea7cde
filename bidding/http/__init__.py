"""The HTTP API: controllers, error format, request context, authentication guards."""
