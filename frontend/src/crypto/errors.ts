/** Error classes of the browser-side crypto, kept free of heavy imports (the UI imports them everywhere). */

export type Pkcs12Problem = 'not_pkcs12' | 'wrong_passphrase' | 'no_key' | 'no_certificate' | 'unsupported_key'

export class Pkcs12Error extends Error {
  override readonly name = 'Pkcs12Error'
  constructor(
    readonly problem: Pkcs12Problem,
    options?: { cause?: unknown },
  ) {
    super(`PKCS#12: ${problem}`, options)
  }
}
