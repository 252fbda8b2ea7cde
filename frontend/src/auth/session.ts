/**
 * The login session in this tab: the bearer token and who it belongs to, kept in sessionStorage
 * (gone when the tab closes, not shared with other tabs) and mirrored in a reactive ref for the UI.
 */
import { readonly, shallowRef } from 'vue'
import type { LoginResult, SessionInfo } from '@/api/identity'

export const SESSION_STORAGE_KEY = 'bidding.session'

export interface StoredSession {
  token: string
  expiresAt: string
  session: SessionInfo
}

function load(): StoredSession | null {
  try {
    const raw = globalThis.sessionStorage?.getItem(SESSION_STORAGE_KEY)
    if (!raw) return null
    const parsed = JSON.parse(raw) as StoredSession
    if (typeof parsed.token !== 'string' || !parsed.session) return null
    if (Date.parse(parsed.expiresAt) <= Date.now()) return null
    return parsed
  } catch {
    return null
  }
}

const state = shallowRef<StoredSession | null>(load())

/** The current session (reactive, read-only). */
export const currentSession = readonly(state)

export function sessionToken(): string | null {
  const s = state.value
  if (s && Date.parse(s.expiresAt) <= Date.now()) {
    clearSession()
    return null
  }
  return s?.token ?? null
}

export function setSession(result: LoginResult): void {
  const s: StoredSession = { token: result.token, expiresAt: result.expires_at, session: result.session }
  state.value = s
  try {
    globalThis.sessionStorage?.setItem(SESSION_STORAGE_KEY, JSON.stringify(s))
  } catch {
    // Storage unavailable: the session lasts while the page is open.
  }
}

export function clearSession(): void {
  state.value = null
  try {
    globalThis.sessionStorage?.removeItem(SESSION_STORAGE_KEY)
  } catch {
    // nothing stored
  }
}
