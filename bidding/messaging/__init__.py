"""Outbound notices through pluggable channels (e-mail, SMS, voice, in-app) with a delivery log, and
inbound answers (SMS replies, voice keypresses) routed back to the capability that asked
(``docs/messaging.md``). Capabilities import it; it imports no capability, only ``bidding.core``."""
