/**
 * BIDSEAL v1 sealed-bid packages in the browser (docs/sealed-bid-format.md,
 * docs/frontend-sealing.md): the same format as Python's `crypto/sealed`, with WebCrypto.
 * No Vue here; the UI imports this module lazily.
 */
export {
  seal,
  readHeader,
  recipientBlob,
  unwrapDataKey,
  openPackage,
  inspectPackage,
  formText,
  type SealInput,
  type SealResult,
  type OpenedPackage,
  type BodyFile,
  type PackageInfo,
  type RecipientInfo,
  type Progress,
  type PackageSink,
} from './package'
export type { Header, Recipient } from './header'
export { DEFAULT_SEGMENT_SIZE } from './header'
export type { EnvelopeKind } from './envelope'
export { validateFormBytes, encodeForm } from './form'
export { canonicalJson } from './json'
export * from './errors'
export { decryptionKey, cmsSigningKey, recordSigningKey, MissingKeyHandleError } from '@/crypto/store'
