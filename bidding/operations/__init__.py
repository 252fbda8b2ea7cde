"""Running the platform: health and readiness, background job state, integrity checks, the doctor."""
