/** The opening form: 元 → fen on the digits, field types, the price always first. */
import { describe, expect, it } from 'vitest'
import { normaliseFields, parseField, parseForm, yuanToFen, type FormField } from '@/views/workspace/openingForm'
import { splitDuration } from '@/views/workspace/useDeadline'

describe('yuanToFen', () => {
  it.each([
    ['1234.56', 123456],
    ['0.29', 29],
    ['0.1', 10],
    ['12', 1200],
    ['1,234,567.8', 123456780],
    [' 86000000.00 ', 8600000000],
    ['7.', 700],
  ])('%s 元 is %i fen', (text, fen) => {
    expect(yuanToFen(text)).toEqual({ fen })
  })

  it.each([
    ['', 'required'],
    ['1.234', 'money'],
    ['-5', 'money'],
    ['1e3', 'money'],
    ['abc', 'money'],
    ['99999999999999999', 'tooLarge'],
  ])('refuses %j (%s)', (text, problem) => {
    expect(yuanToFen(text)).toEqual({ problem })
  })
})

describe('fields', () => {
  const declared: FormField[] = [
    { key: 'duration_days', label_zh: '工期', label_en: 'Duration', type: 'integer' },
    { key: 'quality', label_zh: '质量', label_en: 'Quality', type: 'text' },
  ]

  it('adds the price first when the lot names none, and drops unknown types', () => {
    const fields = normaliseFields([...declared, { key: 'x', type: 'date' as never }])
    expect(fields.map((f) => f.key)).toEqual(['price_fen', 'duration_days', 'quality'])
    expect(normaliseFields(undefined).map((f) => f.key)).toEqual(['price_fen'])
  })

  it('parses a whole form into typed values, and names each refused field', () => {
    const fields = normaliseFields(declared)
    expect(parseForm(fields, { price_fen: '1000.5', duration_days: '365', quality: ' 合格 ' })).toEqual({
      values: { price_fen: 100050, duration_days: 365, quality: '合格' },
      problems: {},
    })
    const bad = parseForm(fields, { price_fen: '1.005', duration_days: '3.5', quality: 'x'.repeat(501) })
    expect(bad.problems).toEqual({ price_fen: 'money', duration_days: 'integer', quality: 'tooLong' })
    expect(parseField(fields[1] as FormField, '')).toEqual({ problem: 'required' })
  })
})

describe('splitDuration', () => {
  it('splits into days and zero-padded hh:mm:ss, never negative', () => {
    expect(splitDuration((2 * 86400 + 3 * 3600 + 4 * 60 + 5) * 1000)).toEqual({ days: 2, hh: '03', mm: '04', ss: '05' })
    expect(splitDuration(-5000)).toEqual({ days: 0, hh: '00', mm: '00', ss: '00' })
  })
})
