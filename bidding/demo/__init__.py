"""Demo data: parties, certificates, a published project and openings played through the real services."""
