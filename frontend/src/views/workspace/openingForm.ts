/**
 * The opening form (开标一览表) as the lot declares it (bidding/tendering/rules/forms.py): `money` fields are
 * typed in 元 with at most two decimals and sealed as integer fen, `integer` as whole numbers ≥ 0,
 * `text` as at most 500 characters. The price (`price_fen`) is always there, first.
 * Parsing works on the digits, never on floating point, so 0.29 元 is exactly 29 fen.
 */
import type { FormField } from '@/api/types'

export type { FieldType, FormField } from '@/api/types'

export const PRICE_FIELD: FormField = { key: 'price_fen', label_zh: '投标报价', label_en: 'Bid price', type: 'money' }
export const MAX_TEXT = 500

/** The lot's fields, with the price first (added if the lot names none, as the server does). */
export function normaliseFields(fields: readonly Partial<FormField>[] | undefined): FormField[] {
  const out: FormField[] = []
  for (const f of fields ?? []) {
    if (!f.key || (f.type !== 'money' && f.type !== 'integer' && f.type !== 'text')) continue
    out.push({ key: f.key, label_zh: f.label_zh ?? f.key, label_en: f.label_en ?? f.key, type: f.type })
  }
  if (!out.some((f) => f.key === PRICE_FIELD.key)) out.unshift(PRICE_FIELD)
  return out
}

/** Why a typed value is refused; the view shows `workspace.formError.<problem>`. */
export type FieldProblem = 'required' | 'money' | 'integer' | 'tooLong' | 'tooLarge'

/** "1,234.5" 元 → 123450 fen; null with the problem if it is not an amount with ≤ 2 decimals. */
export function yuanToFen(text: string): { fen: number } | { problem: FieldProblem } {
  const s = text.trim().replace(/[,，\s]/g, '')
  if (s === '') return { problem: 'required' }
  const m = /^(\d+)(?:\.(\d{0,2}))?$/.exec(s)
  if (!m) return { problem: 'money' }
  const fen = BigInt(m[1] as string) * 100n + BigInt(((m[2] ?? '') + '00').slice(0, 2))
  if (fen > BigInt(Number.MAX_SAFE_INTEGER)) return { problem: 'tooLarge' }
  return { fen: Number(fen) }
}

export function parseField(field: FormField, text: string): { value: number | string } | { problem: FieldProblem } {
  if (field.type === 'money') {
    const r = yuanToFen(text)
    return 'fen' in r ? { value: r.fen } : r
  }
  if (field.type === 'integer') {
    const s = text.trim()
    if (s === '') return { problem: 'required' }
    if (!/^\d+$/.test(s)) return { problem: 'integer' }
    const n = Number(s)
    return Number.isSafeInteger(n) ? { value: n } : { problem: 'tooLarge' }
  }
  const s = text.trim()
  if (s === '') return { problem: 'required' }
  if (s.length > MAX_TEXT) return { problem: 'tooLong' }
  return { value: s }
}

/** Every field parsed; `problems` maps a key to why it was refused (empty when the form is good). */
export function parseForm(
  fields: readonly FormField[],
  texts: Record<string, string>,
): { values: Record<string, number | string>; problems: Record<string, FieldProblem> } {
  const values: Record<string, number | string> = {}
  const problems: Record<string, FieldProblem> = {}
  for (const f of fields) {
    const r = parseField(f, texts[f.key] ?? '')
    if ('value' in r) values[f.key] = r.value
    else problems[f.key] = r.problem
  }
  return { values, problems }
}
