"""Everything cryptographic and nothing else: the platform CA, certificate login, the sealed-bid
envelope, the timestamp authority, PDF signatures and the transparency-log maths.

Imports nothing from the platform's other packages."""
