/**
 * CNY amounts are integer fen (分). Formatting works on the decimal digits of a BigInt, so no
 * floating-point arithmetic touches the amount: 123456789 fen -> "¥1,234,567.89".
 */
export type FenAmount = number | bigint | string

/** The amount as a BigInt; throws RangeError for anything that is not an exact integer. */
export function toFen(value: FenAmount): bigint {
  if (typeof value === 'bigint') return value
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(`fen amount must be a safe integer, got ${value}`)
    }
    return BigInt(value)
  }
  const s = value.trim()
  if (!/^[+-]?\d+$/.test(s)) throw new RangeError(`fen amount must be an integer, got "${value}"`)
  return BigInt(s)
}

export interface FormatFenOptions {
  /** Currency symbol in front of the amount; default "¥". */
  symbol?: string
}

/** Formats integer fen as yuan with thousands separators and two decimals: "¥1,234,567.89". */
export function formatFen(value: FenAmount, options: FormatFenOptions = {}): string {
  const symbol = options.symbol ?? '¥'
  const fen = toFen(value)
  const negative = fen < 0n
  const digits = (negative ? -fen : fen).toString().padStart(3, '0')
  const yuan = digits.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  const cents = digits.slice(-2)
  return `${negative ? '-' : ''}${symbol}${yuan}.${cents}`
}

/** Like `formatFen`, but returns `fallback` instead of throwing on a malformed value. */
export function formatFenOr(value: FenAmount | null | undefined, fallback: string): string {
  if (value === null || value === undefined) return fallback
  try {
    return formatFen(value)
  } catch {
    return fallback
  }
}
