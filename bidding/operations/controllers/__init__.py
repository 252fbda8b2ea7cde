"""HTTP: health and readiness, job state, integrity checks and the audit trail for administrators."""
