import { describe, expect, it } from 'vitest'
import { formatFen, formatFenOr, toFen } from '@/utils/money'

describe('formatFen', () => {
  it.each([
    [123456789, '¥1,234,567.89'],
    [0, '¥0.00'],
    [5, '¥0.05'],
    [50, '¥0.50'],
    [100, '¥1.00'],
    [99999, '¥999.99'],
    [100000, '¥1,000.00'],
    [100000000, '¥1,000,000.00'],
    [-123456, '-¥1,234.56'],
    [-7, '-¥0.07'],
  ])('formats %s fen as %s', (fen, expected) => {
    expect(formatFen(fen)).toBe(expected)
  })

  it('formats amounts beyond Number.MAX_SAFE_INTEGER exactly (BigInt and strings)', () => {
    expect(formatFen(9007199254740993n)).toBe('¥90,071,992,547,409.93')
    expect(formatFen('123456789012345678901')).toBe('¥1,234,567,890,123,456,789.01')
  })

  it('accepts a custom symbol', () => {
    expect(formatFen(1050, { symbol: 'CNY ' })).toBe('CNY 10.50')
  })

  it('rejects non-integers instead of rounding', () => {
    expect(() => formatFen(1.5)).toThrow(RangeError)
    expect(() => formatFen(Number.NaN)).toThrow(RangeError)
    expect(() => formatFen(2 ** 60)).toThrow(RangeError)
    expect(() => formatFen('12.30')).toThrow(RangeError)
    expect(() => toFen('1e5')).toThrow(RangeError)
  })

  it('formatFenOr falls back on bad or missing values', () => {
    expect(formatFenOr(null, '—')).toBe('—')
    expect(formatFenOr(0.1, '—')).toBe('—')
    expect(formatFenOr(200, '—')).toBe('¥2.00')
  })
})
