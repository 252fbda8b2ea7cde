"""What an inbound reply means: the recipient's text (or keys) read against the answers its message
offered. Pure, with worked examples as tests (``tests/unit/messaging/test_answers.py``).

People answer an SMS as they type: ``１`` from a Chinese keyboard's full-width digits, ``y``, ``Y。``,
``1 谢谢``, ``接受，谢谢``. The text is read in Unicode NFKC (UAX #15: full-width forms become their
ASCII letters and digits), without case (``str.casefold``), with surrounding spaces and punctuation
dropped; it is an answer when the whole of it, or its first word, is one of the offered answers.
Anything else is no answer: the question stays open and the reply is kept as unrecognised.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Final

__all__ = ["choice_of", "normalise_answer"]

# Spaces and punctuation around or between words, ASCII and CJK (、。，！？；：…).
_PUNCTUATION: Final = r"\s!\"#$%&'()*+,\-./:;<=>?@\[\]^_`{|}~、。，！？；：…·「」『』（）【】《》"
_EDGES: Final = re.compile(rf"^[{_PUNCTUATION}]+|[{_PUNCTUATION}]+$")
_WORD: Final = re.compile(rf"[^{_PUNCTUATION}]+")


def normalise_answer(text: str) -> str:
    """``" Ｙ。"`` → ``"y"``: NFKC, case-folded, no surrounding spaces or punctuation."""
    return _EDGES.sub("", unicodedata.normalize("NFKC", text).casefold())


def choice_of(content: str, answers: Mapping[str, str]) -> str | None:
    """The choice ``content`` means among ``answers`` (offered answer → choice), or None.

    >>> offered = {"1": "accept", "2": "decline", "Y": "accept", "N": "decline", "接受": "accept"}
    >>> [choice_of(t, offered) for t in ("１", "y。", "1 谢谢", "接受，谢谢", "maybe", "12")]
    ['accept', 'accept', 'accept', 'accept', None, None]
    """
    offered = {normalise_answer(key): choice for key, choice in answers.items()}
    text = normalise_answer(content)
    if text in offered:
        return offered[text]
    first = _WORD.search(text)
    if first is not None and first.group(0) != text and first.group(0) in offered:
        return offered[first.group(0)]
    return None
