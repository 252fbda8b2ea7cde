"""The platform's PKI service: its keys, certificate issuance and revocation, and whom it trusts."""
