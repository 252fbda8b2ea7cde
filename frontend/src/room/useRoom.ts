/**
 * The opening room for a view: one `RoomClient` per lot while the view is mounted, the folded model,
 * and a clock that follows the server's time (ticks every 250 ms for the countdown).
 */
import { computed, onBeforeUnmount, onMounted, ref, shallowRef, watch, type Ref } from 'vue'
import { sessionToken } from '@/auth/session'
import { RoomClient, type RoomClientOptions } from './client'
import { countdown, foldRoom } from './state'

/**
 * The session token for the room: the login session of this tab (see `src/auth/session.ts`, which
 * keeps it in sessionStorage under `bidding.session`), or null for the public view.
 */
export function roomToken(): string | null {
  try {
    return sessionToken()
  } catch {
    return null
  }
}

export function useRoom(lotId: Ref<string>, options: Partial<RoomClientOptions> & { anonymous?: boolean } = {}) {
  const client = shallowRef<RoomClient | null>(null)
  /** Local time, re-read on every tick; the server's time is this plus the client's offset. */
  const localNow = ref(Date.now())
  let timer: ReturnType<typeof setInterval> | null = null
  let usedToken = false

  function start(id: string, withToken: boolean): void {
    client.value?.close()
    usedToken = withToken && roomToken() !== null
    const c = new RoomClient({
      lotId: id,
      token: withToken ? roomToken : () => null,
      ...options,
    })
    client.value = c
    c.connect()
  }

  onMounted(() => {
    start(lotId.value, !options.anonymous)
    timer = setInterval(() => {
      localNow.value = Date.now()
    }, 250)
  })
  onBeforeUnmount(() => {
    if (timer) clearInterval(timer)
    client.value?.close()
    client.value = null
  })
  watch(lotId, (id) => start(id, !options.anonymous))

  // A token the server no longer accepts (expired, logged out elsewhere): watch as the public.
  watch(
    () => [client.value?.state.status, client.value?.state.error?.code] as const,
    ([status, code]) => {
      if (status === 'refused' && code === 'not_authenticated' && usedToken) start(lotId.value, false)
    },
  )

  const state = computed(() => client.value?.state ?? null)
  const model = computed(() =>
    foldRoom(state.value?.events ?? [], state.value?.welcome ?? null, state.value?.ownSignInAt ?? null),
  )
  const serverNow = computed(() => localNow.value + (state.value?.offsetMs ?? 0))
  const timer$ = computed(() => countdown(model.value, serverNow.value))

  async function command<T extends Record<string, unknown> = Record<string, unknown>>(
    name: string,
    args: Record<string, unknown> = {},
  ): Promise<T> {
    const c = client.value
    if (!c) throw new Error('room not connected')
    return c.command<T>(name, args)
  }

  return { client, state, model, serverNow, countdown: timer$, command }
}
