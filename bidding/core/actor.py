"""Who acts: the actor every audit event names (办法 14)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Actor"]


@dataclass(frozen=True)
class Actor:
    """Who acts and from where: a certificate fingerprint, an operator token or the system itself."""

    id: str
    client_address: str | None = None
    request_id: str | None = None

    @classmethod
    def system(cls, component: str, request_id: str | None = None) -> Actor:
        return cls(id=f"system:{component}", request_id=request_id)
