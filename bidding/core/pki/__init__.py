"""The platform's own PKI: its keys, revocation publishing, certificate verification and document signing."""
