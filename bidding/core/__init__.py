"""The shared core every capability uses: settings, clock, errors, edge types, the database, HTTP
plumbing, the job runtime, the platform's own PKI and sessions. It imports no capability."""
