import { getCurrentScope, onScopeDispose, ref, shallowRef, type Ref, type ShallowRef } from 'vue'
import { ApiError } from '@/api/client'

export interface RequestState<T> {
  data: ShallowRef<T | null>
  error: ShallowRef<unknown>
  loading: Ref<boolean>
  /** Starts `load`, cancelling the previous run; only the latest run updates the state. */
  run: (load: (signal: AbortSignal) => Promise<T>) => Promise<void>
}

/** Loading / data / error state of one request at a time, cancelled when the component goes away. */
export function useRequest<T>(): RequestState<T> {
  const data = shallowRef<T | null>(null)
  const error = shallowRef<unknown>(null)
  const loading = ref(false)
  let current: AbortController | null = null

  async function run(load: (signal: AbortSignal) => Promise<T>): Promise<void> {
    current?.abort()
    const controller = new AbortController()
    current = controller
    loading.value = true
    error.value = null
    try {
      const result = await load(controller.signal)
      if (current === controller) data.value = result
    } catch (e) {
      if (current === controller && !(e instanceof ApiError && e.kind === 'aborted')) {
        data.value = null
        error.value = e
      }
    } finally {
      if (current === controller) {
        loading.value = false
        current = null
      }
    }
  }

  if (getCurrentScope()) onScopeDispose(() => current?.abort())
  return { data, error, loading, run }
}
