"""The live remote opening (不见面开标): per-lot session state machine, WebSocket protocol, fan-out
across processes and the opening record. Uses the domain models of :mod:`bidding`."""
