"""What an inbound reply means, read as people type it (NFKC, no case, punctuation dropped)."""

from __future__ import annotations

import pytest

from bidding.messaging.answers import choice_of, normalise_answer

OFFERED = {"1": "accept", "2": "decline", "Y": "accept", "N": "decline", "接受": "accept", "拒绝": "decline"}


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("1", "accept"),
        ("１", "accept"),  # full-width digit from a Chinese keyboard
        (" 2 ", "decline"),
        ("y", "accept"),
        ("Ｎ。", "decline"),
        ("1 谢谢", "accept"),
        ("接受，谢谢！", "accept"),
        ("拒绝", "decline"),
        ("【拒绝】", "decline"),
        ("12", None),  # neither 1 nor 2
        ("3", None),
        ("接受谢谢", None),  # no word boundary: not guessed at
        ("", None),
        ("。。。", None),
        ("maybe", None),
    ],
)
def test_replies_as_people_type_them(text: str, choice: str | None) -> None:
    assert choice_of(text, OFFERED) == choice


def test_keys_pressed_are_read_the_same_way() -> None:
    assert choice_of("1", {"1": "accept"}) == "accept"
    assert choice_of("#", {"1": "accept"}) is None


def test_normalised_answers() -> None:
    assert normalise_answer(" Ｙｅｓ！") == "yes"
    assert normalise_answer("（１）") == "1"
