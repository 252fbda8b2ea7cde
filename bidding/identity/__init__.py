"""Organisations, enrolment, certificate issuance, certificate login and the PKI endpoints."""
