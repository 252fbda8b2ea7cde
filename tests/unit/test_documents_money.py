"""Money on the platform's documents: yuan with separators and 人民币大写 (财务大写), exact integers."""

from __future__ import annotations

import pytest

from bidding.documents.money import MAX_FEN, chinese_uppercase, yuan


@pytest.mark.parametrize(
    ("fen", "expected"),
    [
        (0, "0.00 元"),
        (1, "0.01 元"),
        (10, "0.10 元"),
        (100, "1.00 元"),
        (99999, "999.99 元"),
        (100000, "1,000.00 元"),
        (12345678, "123,456.78 元"),
        (100000000, "1,000,000.00 元"),
        (123456789012345, "1,234,567,890,123.45 元"),
    ],
)
def test_yuan(fen: int, expected: str) -> None:
    assert yuan(fen) == expected


@pytest.mark.parametrize(
    ("fen", "expected"),
    [
        # the brief's cases
        (12345678, "壹拾贰万叁仟肆佰伍拾陆元柒角捌分"),
        (100000000, "壹佰万元整"),
        (100500, "壹仟零伍元整"),
        (1, "壹分"),
        (10, "壹角"),
        (1000001, "壹万元零壹分"),
        # zero and small amounts
        (0, "零元整"),
        (11, "壹角壹分"),
        (100, "壹元整"),
        (101, "壹元零壹分"),
        (110, "壹元壹角"),
        (111, "壹元壹角壹分"),
        (1000, "壹拾元整"),  # always 壹拾, never a bare 拾
        (1500, "壹拾伍元整"),
        (2000, "贰拾元整"),
        (10100, "壹佰零壹元整"),
        (11000, "壹佰壹拾元整"),
        # examples of the PBoC rules (支付结算办法 附一)
        (168032, "壹仟陆佰捌拾元叁角贰分"),
        (10700053, "壹拾万柒仟元伍角叁分"),
        (32500000, "叁拾贰万伍仟元整"),
        (600700, "陆仟零柒元整"),
        (100000, "壹仟元整"),
        (100100, "壹仟零壹元整"),
        (101000, "壹仟零壹拾元整"),
        (1000000, "壹万元整"),
        (1001000, "壹万零壹拾元整"),
        (1010000, "壹万零壹佰元整"),
        (1100000, "壹万壹仟元整"),
        (10000000, "壹拾万元整"),
        (10000100, "壹拾万零壹元整"),
        (12000000, "壹拾贰万元整"),
        (999999999, "玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
        # 亿 and the zeros around 万 / 亿
        (10000000000, "壹亿元整"),
        (10000000100, "壹亿零壹元整"),
        (10001000000, "壹亿零壹万元整"),
        (10100000000, "壹亿零壹佰万元整"),
        (11000000000, "壹亿壹仟万元整"),
        (12000300000, "壹亿贰仟万叁仟元整"),
        (10000100000, "壹亿零壹仟元整"),
        (123456789012, "壹拾贰亿叁仟肆佰伍拾陆万柒仟捌佰玖拾元壹角贰分"),
        (100000000000000, "壹万亿元整"),
        (100010000000000, "壹万零壹亿元整"),
        (MAX_FEN, "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ],
)
def test_chinese_uppercase(fen: int, expected: str) -> None:
    assert chinese_uppercase(fen) == expected


def test_every_amount_up_to_a_hundred_thousand_yuan_is_well_formed() -> None:
    """Structural rules over a sweep: no doubled 零, no 零 before a unit or at the end, 整 only after 元."""
    for fen in range(0, 10_000_000, 997):
        text = chinese_uppercase(fen)
        assert "零零" not in text, (fen, text)
        assert not text.endswith("零"), (fen, text)
        for unit in "拾佰仟万亿元角分":
            assert f"零{unit}" not in text or (fen == 0 and unit == "元"), (fen, text)
        assert text.endswith("整") == (fen % 100 == 0), (fen, text)
        assert ("元" in text) == (fen >= 100 or fen == 0), (fen, text)


@pytest.mark.parametrize("fn", [yuan, chinese_uppercase])
def test_negative_amounts_are_refused(fn: object) -> None:
    with pytest.raises(ValueError, match="negative"):
        fn(-1)  # type: ignore[operator]


@pytest.mark.parametrize("fn", [yuan, chinese_uppercase])
@pytest.mark.parametrize("value", [1.5, "100", True, None])
def test_non_integers_are_refused(fn: object, value: object) -> None:
    with pytest.raises(TypeError, match="integer number of fen"):
        fn(value)  # type: ignore[operator]


def test_too_large_for_uppercase() -> None:
    with pytest.raises(ValueError, match="too large"):
        chinese_uppercase(MAX_FEN + 1)
    assert yuan(MAX_FEN + 1) == "10,000,000,000,000,000.00 元"
