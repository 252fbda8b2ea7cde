/**
 * The bidder's signed objection (异议, 条例 54) and complaint (投诉, 条例 60): the server hands out the
 * statement, this browser signs its canonical JSON with the login key exactly as the evaluation's
 * declaration is signed (`views/evaluation/signing.ts`: the session's stored identity, `signMessage`
 * over `statementBytes`, checked by `statements.verify_statement`), and posts it back with the
 * attachments' descriptors. The key never leaves the browser.
 */
import {
  complaintStatement,
  fileComplaint,
  objectionStatement,
  raiseObjection,
  type AttachmentDescriptor,
  type ComplaintFields,
  type ComplaintView,
  type ObjectionView,
  type SignedStatement,
  type Statement,
} from '@/api/awards'
import { signMessage } from '@/crypto/keys'
import { statementBytes } from '@/views/evaluation/evaluation'
import { sessionIdentity } from '@/views/evaluation/signing'

export { SigningError } from '@/views/evaluation/signing'

/** Where the login key comes from: the session's identity in this browser (a test passes a key of its own). */
export type KeySource = () => Promise<{ privateKey: CryptoKey }>

/** Signs a statement handed out by the server with the session's login key. */
export async function signStatement(statement: Statement, keys: KeySource = sessionIdentity): Promise<SignedStatement> {
  const identity = await keys()
  const { signature, algorithm } = await signMessage(identity.privateKey, statementBytes(statement))
  return { statement, signature, algorithm }
}

export async function signObjection(
  awardId: string,
  text: string,
  attachments: AttachmentDescriptor[],
  keys: KeySource = sessionIdentity,
): Promise<ObjectionView> {
  const statement = await objectionStatement(awardId, text, attachments)
  return raiseObjection(awardId, text, attachments, await signStatement(statement, keys))
}

export async function signComplaint(awardId: string, fields: ComplaintFields, keys: KeySource = sessionIdentity): Promise<ComplaintView> {
  const statement = await complaintStatement(awardId, fields)
  return fileComplaint(awardId, fields, await signStatement(statement, keys))
}
