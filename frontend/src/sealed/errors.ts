/**
 * Errors of the sealed-bid format, one class per failure, each with the SAME stable `code` as
 * Python's `crypto/sealed/errors.py` (docs/sealed-bid-format.md §8), so the UI shows one message
 * per code whichever side found the fault.
 */

export const SEALED_ERROR_CODES = [
  'not_a_package',
  'unsupported_version',
  'malformed_package',
  'truncated',
  'trailing_data',
  'segment_authentication_failed',
  'key_commitment_mismatch',
  'header_mismatch',
  'not_a_recipient',
  'unsupported_recipient',
  'malformed_envelope',
  'signature_invalid',
  'signer_mismatch',
  'invalid_form',
] as const

export type SealedErrorCode = (typeof SEALED_ERROR_CODES)[number]

export class SealedError extends Error {
  override readonly name: string = 'SealedError'
  constructor(
    readonly code: SealedErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

export class NotAPackageError extends SealedError {
  override readonly name: string = 'NotAPackageError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('not_a_package', message, options)
  }
}

export class UnsupportedVersionError extends SealedError {
  override readonly name: string = 'UnsupportedVersionError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('unsupported_version', message, options)
  }
}

export class MalformedPackageError extends SealedError {
  override readonly name: string = 'MalformedPackageError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('malformed_package', message, options)
  }
}

export class TruncatedError extends SealedError {
  override readonly name: string = 'TruncatedError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('truncated', message, options)
  }
}

export class TrailingDataError extends SealedError {
  override readonly name: string = 'TrailingDataError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('trailing_data', message, options)
  }
}

export class SegmentAuthenticationError extends SealedError {
  override readonly name: string = 'SegmentAuthenticationError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('segment_authentication_failed', message, options)
  }
}

export class KeyCommitmentMismatchError extends SealedError {
  override readonly name: string = 'KeyCommitmentMismatchError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('key_commitment_mismatch', message, options)
  }
}

export class HeaderMismatchError extends SealedError {
  override readonly name: string = 'HeaderMismatchError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('header_mismatch', message, options)
  }
}

export class NotARecipientError extends SealedError {
  override readonly name: string = 'NotARecipientError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('not_a_recipient', message, options)
  }
}

export class UnsupportedRecipientError extends SealedError {
  override readonly name: string = 'UnsupportedRecipientError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('unsupported_recipient', message, options)
  }
}

export class MalformedEnvelopeError extends SealedError {
  override readonly name: string = 'MalformedEnvelopeError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('malformed_envelope', message, options)
  }
}

export class SignatureInvalidError extends SealedError {
  override readonly name: string = 'SignatureInvalidError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('signature_invalid', message, options)
  }
}

export class SignerMismatchError extends SealedError {
  override readonly name: string = 'SignerMismatchError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('signer_mismatch', message, options)
  }
}

export class InvalidFormError extends SealedError {
  override readonly name: string = 'InvalidFormError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid_form', message, options)
  }
}

export function isSealedError(error: unknown): error is SealedError {
  return error instanceof SealedError
}
