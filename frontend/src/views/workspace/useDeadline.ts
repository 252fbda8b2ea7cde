/**
 * A countdown to a deadline by the server's clock: every API answer's `Date` header gives the
 * server time, and the offset to this machine's clock is kept, so a wrong local clock does not
 * show a wrong countdown. (`Date` has whole seconds: good enough for a countdown.)
 */
import { computed, onScopeDispose, ref, type ComputedRef, type Ref } from 'vue'

export interface Countdown {
  /** Milliseconds left; null without a deadline. */
  remainingMs: ComputedRef<number | null>
  /** Call with each answer's server time. */
  syncServer: (serverDate: Date | null) => void
  offsetMs: Ref<number>
}

export function splitDuration(ms: number): { days: number; hh: string; mm: string; ss: string } {
  const total = Math.max(0, Math.floor(ms / 1000))
  const pad = (n: number): string => String(n).padStart(2, '0')
  return {
    days: Math.floor(total / 86400),
    hh: pad(Math.floor((total % 86400) / 3600)),
    mm: pad(Math.floor((total % 3600) / 60)),
    ss: pad(total % 60),
  }
}

export function useCountdown(deadline: () => string | null | undefined): Countdown {
  const now = ref(Date.now())
  const offsetMs = ref(0)
  const timer = setInterval(() => (now.value = Date.now()), 1000)
  onScopeDispose(() => clearInterval(timer))
  const remainingMs = computed(() => {
    const d = deadline()
    if (!d) return null
    return Date.parse(d) - (now.value + offsetMs.value)
  })
  function syncServer(serverDate: Date | null): void {
    if (serverDate) offsetMs.value = serverDate.getTime() - Date.now()
  }
  return { remainingMs, syncServer, offsetMs }
}
