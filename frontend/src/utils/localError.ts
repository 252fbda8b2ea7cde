/** i18n text for errors raised in the browser (not by the API): challenge checks, PKCS#12, keys. */
import { ChallengeMismatchError } from '@/crypto/challenge'
import { Pkcs12Error } from '@/crypto/errors'
import { InvalidSubjectError } from '@/crypto/subject'

export interface LocalErrorText {
  key: string
  params: Record<string, string>
}

export function localErrorText(error: unknown): LocalErrorText | null {
  if (error instanceof ChallengeMismatchError) {
    return {
      key: `localErrors.challenge.${error.problem}`,
      params: { expected: error.expected, found: error.found },
    }
  }
  if (error instanceof Pkcs12Error) return { key: `localErrors.pkcs12.${error.problem}`, params: {} }
  if (error instanceof InvalidSubjectError) return { key: `localErrors.subject.${error.field}`, params: {} }
  if (error instanceof DOMException && error.name === 'NotSupportedError') {
    return { key: 'localErrors.cryptoUnsupported', params: {} }
  }
  if (typeof crypto === 'undefined' || !crypto.subtle) return { key: 'localErrors.cryptoUnsupported', params: {} }
  return null
}
