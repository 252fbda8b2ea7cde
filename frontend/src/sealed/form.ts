/** The opening form (开标一览表): validated like Python's `validate_form`, written as canonical JSON. */
import { utf8, utf8Strict } from './bytes'
import { InvalidFormError } from './errors'
import { canonicalJson, JsonDecimal, JsonError, parseJsonStrict, type JsonValue } from './json'

export const MAX_FORM_SIZE = 1024 * 1024

function hasDecimal(value: JsonValue): boolean {
  if (value instanceof JsonDecimal) return true
  if (Array.isArray(value)) return value.some(hasDecimal)
  if (value && typeof value === 'object' && typeof value !== 'bigint') return Object.values(value).some(hasDecimal)
  return false
}

function checkPrice(data: Record<string, unknown>): void {
  const price = data.price_fen
  const ok =
    (typeof price === 'number' && Number.isSafeInteger(price) && price >= 0) ||
    (typeof price === 'bigint' && price >= 0n)
  if (!ok) throw new InvalidFormError('the opening form needs price_fen: a non-negative integer amount in fen (分)')
}

/** Check JSON bytes: UTF-8 JSON object ≤ 1 MiB, no decimals anywhere, integer `price_fen` ≥ 0. */
export function validateFormBytes(form: Uint8Array): Record<string, JsonValue> {
  if (form.length > MAX_FORM_SIZE) throw new InvalidFormError(`the opening form is larger than ${MAX_FORM_SIZE} bytes`)
  let data: JsonValue
  try {
    data = parseJsonStrict(utf8Strict.decode(form), { allowDuplicateKeys: true })
  } catch (cause) {
    throw new InvalidFormError(
      cause instanceof JsonError
        ? `the opening form is not valid JSON: ${cause.message}`
        : 'the opening form is not UTF-8',
      { cause },
    )
  }
  if (hasDecimal(data))
    throw new InvalidFormError('the opening form must not contain decimal numbers; money is integer fen')
  if (typeof data !== 'object' || data === null || Array.isArray(data) || typeof data === 'bigint') {
    throw new InvalidFormError('the opening form must be a JSON object')
  }
  const obj = data as Record<string, JsonValue>
  checkPrice(obj)
  return obj
}

/** Encode a form object (canonical JSON, UTF-8) after checking it the same way. */
export function encodeForm(form: Record<string, unknown>): Uint8Array {
  if (typeof form !== 'object' || form === null || Array.isArray(form)) {
    throw new InvalidFormError('the opening form must be a JSON object')
  }
  let text: string
  try {
    text = canonicalJson(form)
  } catch (cause) {
    throw new InvalidFormError(`the opening form cannot be written: ${(cause as Error).message}`, { cause })
  }
  const bytes = utf8.encode(text)
  validateFormBytes(bytes)
  return bytes
}
