/**
 * A member's signatures in this browser, with the identity whose certificate the session logged in
 * with (IndexedDB, `crypto/store.ts`): the recusal declaration (承诺书) is a statement signed with
 * the login key (`signMessage`, checked by `statements.verify_statement`); the report (评标报告) is
 * signed remotely like the opening record (`signToBeSigned` over the CMS signed attributes the server
 * prepared, with the record-signing handle). The keys never leave the browser.
 */
import { declarationStatement, declare, prepareReportSignature, signReport, type ReportStatus, type RoomView } from '@/api/evaluation'
import { currentSession } from '@/auth/session'
import { signMessage } from '@/crypto/keys'
import { identityWithFingerprint, recordSigningKey, type StoredIdentity } from '@/crypto/store'
import { recordAlgorithmOf, signToBeSigned } from '@/room/bidder'
import { signReportLoop, statementBytes } from './evaluation'

/** Problems found in the browser before anything is sent. */
export type SigningProblem = 'no_identity' | 'no_signing_key'

export class SigningError extends Error {
  override readonly name = 'SigningError'
  constructor(
    readonly problem: SigningProblem,
    options?: { cause?: unknown },
  ) {
    super(`evaluation signing: ${problem}`, options)
  }
}

/** The stored identity of the session's certificate, or `SigningError('no_identity')`. */
export async function sessionIdentity(): Promise<StoredIdentity> {
  const fingerprint = currentSession.value?.session.fingerprint
  if (!fingerprint) throw new SigningError('no_identity')
  const identity = await identityWithFingerprint(fingerprint).catch(() => null)
  if (!identity) throw new SigningError('no_identity')
  return identity
}

/**
 * The recusal declaration: asks the server for the statement (the standard commitment naming the
 * bidders, or the conflict in the member's words), signs its canonical JSON here and posts it.
 */
export async function signDeclaration(evaluationId: string, conflict: boolean, text?: string): Promise<RoomView> {
  const identity = await sessionIdentity()
  const statement = await declarationStatement(evaluationId, conflict, text)
  const { signature, algorithm } = await signMessage(identity.privateKey, statementBytes(statement))
  return declare(evaluationId, { statement, signature, algorithm })
}

/** Signs the report (with a written dissent when given); prepares again if another member signed meanwhile. */
export async function signTheReport(evaluationId: string, dissent: string | null): Promise<ReportStatus> {
  const identity = await sessionIdentity()
  let key: CryptoKey
  try {
    key = recordSigningKey(identity)
  } catch (cause) {
    throw new SigningError('no_signing_key', { cause })
  }
  return signReportLoop({
    prepare: () => prepareReportSignature(evaluationId, dissent !== null && dissent.trim() !== ''),
    sign: (toBeSigned) => signToBeSigned(key, toBeSigned),
    algorithm: recordAlgorithmOf(key),
    post: (signature) => signReport(evaluationId, signature, dissent?.trim() || null),
  })
}
