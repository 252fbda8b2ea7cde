/**
 * Who is working here: the session (must be a bidder) and the identity in this browser whose
 * certificate is the session's, the one whose keys seal, sign and open packages.
 */
import { computed, shallowRef, watch, type ComputedRef, type ShallowRef } from 'vue'
import { currentSession } from '@/auth/session'
import type { SessionInfo } from '@/api/identity'
import { identityWithFingerprint, type StoredIdentity } from '@/crypto/store'

export interface BidderContext {
  session: ComputedRef<SessionInfo | null>
  isBidder: ComputedRef<boolean>
  /** Null while looking, or when this browser does not hold the session's key. */
  identity: ShallowRef<StoredIdentity | null>
  identityChecked: ShallowRef<boolean>
}

export function useBidder(): BidderContext {
  const session = computed(() => currentSession.value?.session ?? null)
  const isBidder = computed(() => session.value?.role === 'bidder')
  const identity = shallowRef<StoredIdentity | null>(null)
  const identityChecked = shallowRef(false)
  watch(
    () => session.value?.fingerprint,
    async (fingerprint) => {
      identity.value = null
      identityChecked.value = false
      if (!fingerprint) return
      try {
        identity.value = await identityWithFingerprint(fingerprint)
      } catch {
        identity.value = null // IndexedDB unavailable: shown as "no key here"
      }
      identityChecked.value = true
    },
    { immediate: true },
  )
  return { session, isBidder, identity, identityChecked }
}
