"""Money as people read it on the platform's documents: ``123,456.78 元`` and 人民币大写.

Amounts are integer fen (分), never floats (DESIGN.md §7); both functions use exact integer
arithmetic and refuse negative amounts. The upper-case form follows the rules of the People's
Bank of China for filling in amounts on vouchers (《支付结算办法》附一 正确填写票据和结算凭证的基本规定):

* digits 零壹贰叁肆伍陆柒捌玖, units 拾佰仟万亿, always 壹拾 (never a bare 拾);
* runs of zeros inside the amount are written as one 零 (壹仟零伍元, 壹亿零壹万元);
* an amount that ends at 元 ends with 整; one that ends at 角 or 分 does not (壹角, 壹分);
* a zero 角 between 元 and a non-zero 分 is written 零 (壹万元零壹分); a zero 元 digit before a
  non-zero 角 is not (壹仟陆佰捌拾元叁角贰分 — the rules allow both forms, we always choose this one);
* zero is 零元整.
"""

from __future__ import annotations

from typing import Final

DIGITS: Final = "零壹贰叁肆伍陆柒捌玖"
_UNITS: Final = ("", "拾", "佰", "仟")
# Up to 9999万9999亿 ... 元: beyond that (10¹⁶ yuan) Chinese needs units no voucher uses.
MAX_FEN: Final = 10**18 - 1


def _check(fen: int) -> None:
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"amount must be an integer number of fen, got {type(fen).__name__}")
    if fen < 0:
        raise ValueError(f"amount must not be negative, got {fen} fen")


def yuan(fen: int) -> str:
    """``12345678`` fen → ``"123,456.78 元"`` (thousands separators, always two decimals)."""
    _check(fen)
    whole, cents = divmod(fen, 100)
    return f"{whole:,}.{cents:02d} 元"


def _four(n: int) -> str:
    """1…9999 without leading zeros; inner zeros as one 零, trailing zeros dropped."""
    out, zero = "", False
    for position in range(3, -1, -1):
        digit = n // 10**position % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += DIGITS[digit] + _UNITS[position]
    return out


def _integer(n: int) -> str:
    """A positive whole number of yuan, e.g. 100010000 → 壹亿零壹万."""
    if n < 10**4:
        return _four(n)
    limit, unit = (10**8, "亿") if n >= 10**8 else (10**4, "万")
    high, low = divmod(n, limit)
    out = _integer(high) + unit
    if low == 0:
        return out
    if low < limit // 10:  # the highest digit below the unit is zero
        out += "零"
    return out + _integer(low)


def chinese_uppercase(fen: int) -> str:
    """财务大写 of an amount in fen: ``12345678`` → ``"壹拾贰万叁仟肆佰伍拾陆元柒角捌分"``."""
    _check(fen)
    if fen > MAX_FEN:
        raise ValueError(f"amount too large for 人民币大写: {fen} fen (at most {MAX_FEN})")
    whole, cents = divmod(fen, 100)
    jiao, fen_digit = divmod(cents, 10)
    if fen == 0:
        return "零元整"
    out = _integer(whole) + "元" if whole else ""
    if jiao:
        out += DIGITS[jiao] + "角"
    elif fen_digit and whole:
        out += "零"
    if fen_digit:
        out += DIGITS[fen_digit] + "分"
    if not cents:
        out += "整"
    return out
