"""The project archive (电子档案, issue 21; ``docs/awards.md`` §Archive): one package per closed project,
every document and the audit events with a signed and time-stamped manifest of SHA-256 digests, kept
under the storage retention, verifiable offline (``bidding archive verify FILE``)."""
