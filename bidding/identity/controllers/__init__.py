"""HTTP: enrolment and login, the PKI endpoints (CRL, OCSP, TSA, trust), certificate administration."""
