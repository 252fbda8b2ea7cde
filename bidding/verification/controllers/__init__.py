"""HTTP: verifying a PDF."""
