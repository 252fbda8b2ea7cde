"""The trading service: app factory, HTTP API, organisations, projects, jobs and the CLI."""

__version__ = "0.1.0"
