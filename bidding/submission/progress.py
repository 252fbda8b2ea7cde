"""One upload's keyless verification, fed with its chunks in order as they arrive (issue 22).

:class:`Progress` is what :mod:`bidding.submission.streaming` keeps per upload while its chunks come
in, and what completion (:func:`bidding.submission.service.verify_and_store`) finishes instead of
reading the package again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crypto.sealed import PackageInfo, PackageVerifier

__all__ = ["Progress"]


@dataclass
class Progress:
    """One upload's verification so far: fed with chunks ``0 … next_index − 1`` in order."""

    verifier: PackageVerifier = field(default_factory=PackageVerifier)
    next_index: int = 0
    received: int = 0
    #: (sha256, etag) of each recorded chunk as the store reported it when it was written.
    parts: list[tuple[str, str]] = field(default_factory=list)
    #: What the verification raised at the first wrong byte; completion raises it again (the full
    #: pass would raise the same at the same byte), and nothing more is fed.
    failure: Exception | None = None

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        """Verify the next bytes; a refusal is kept for completion, not raised now (the chunk is
        received as any other, and the upload refused at completion with the verification's reason)."""
        if self.failure is not None:
            return
        try:
            self.verifier.update(data)
        except Exception as exc:  # the full pass raises the same at completion
            self.failure = exc

    def recorded(self, size: int, sha256: str, etag: str) -> None:
        """The chunk fed last was recorded as chunk ``next_index``: its bytes are the store's object."""
        self.parts.append((sha256, etag))
        self.received += size
        self.next_index += 1

    def finish(self) -> PackageInfo:
        """The verified package's facts, or the verification's refusal (raised)."""
        if self.failure is not None:
            raise self.failure
        return self.verifier.finish()
