"""Pure domain rules: no database, no HTTP. Reused by the API, jobs and the CLI."""
