/**
 * Checks a login challenge before signing it, exactly as `bidding/client/session.py::check_challenge`:
 * seven lines, the first the login context, the second the platform we meant to reach (compared
 * without trailing slashes), the last the SHA-256 of our own certificate. Otherwise a server could
 * relay another platform's challenge and log in there with the user's signature.
 */
export const LOGIN_CONTEXT = 'bidding-platform-login-v1'

export type ChallengeProblem = 'not_login' | 'audience' | 'fingerprint'

export class ChallengeMismatchError extends Error {
  override readonly name = 'ChallengeMismatchError'
  constructor(
    readonly problem: ChallengeProblem,
    readonly expected = '',
    readonly found = '',
  ) {
    super(`challenge mismatch: ${problem}${found ? ` (${found} instead of ${expected})` : ''}`)
  }
}

function stripTrailingSlashes(value: string): string {
  return value.replace(/\/+$/, '')
}

export interface ParsedChallenge {
  context: string
  audience: string
  challengeId: string
  nonce: string
  issuedAt: string
  expiresAt: string
  fingerprint: string
}

/** Throws ChallengeMismatchError unless `message` is a login challenge for `audience` and `fingerprint`. */
export function checkChallenge(message: Uint8Array, audience: string, fingerprint: string): ParsedChallenge {
  const lines = new TextDecoder('utf-8', { fatal: false }).decode(message).split('\n')
  if (lines.length !== 7 || lines[0] !== LOGIN_CONTEXT) throw new ChallengeMismatchError('not_login')
  const [context, aud, challengeId, nonce, issuedAt, expiresAt, fp] = lines as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ]
  if (stripTrailingSlashes(aud) !== stripTrailingSlashes(audience)) {
    throw new ChallengeMismatchError('audience', audience, aud)
  }
  if (fp !== fingerprint) throw new ChallengeMismatchError('fingerprint', fingerprint, fp)
  return { context, audience: aud, challengeId, nonce, issuedAt, expiresAt, fingerprint: fp }
}
