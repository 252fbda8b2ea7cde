"""Everything cryptographic and nothing else: the platform CA, certificate login, the sealed-bid
envelope, the timestamp authority, PDF signatures and the transparency-log maths.

Imports nothing from the platform's other packages."""

import warnings as _warnings

from cryptography.utils import CryptographyDeprecationWarning as _CryptographyDeprecationWarning

# cryptography >= 51 deprecates DSA and warns at import time; pyHanko imports the DSA key types to
# recognise them, though the platform never uses DSA. Silence exactly that one warning, raised from
# pyHanko's modules and nowhere else, so every `bidding` command and the test run stay quiet.
_warnings.filterwarnings(
    "ignore", message=r"DSA is deprecated", category=_CryptographyDeprecationWarning, module=r"pyhanko\."
)
