import { ref, type Ref } from 'vue'

export interface ActionState<T> {
  busy: Ref<boolean>
  error: Ref<unknown>
  result: Ref<T | null>
  /** Runs `action` once at a time; keeps its error (shown with ErrorNotice) or its result. */
  perform: (action: () => Promise<T>) => Promise<T | null>
}

/** State of one submission (a form or a button): busy while it runs, then its error or its result. */
export function useAction<T>(): ActionState<T> {
  const busy = ref(false)
  const error = ref<unknown>(null)
  const result = ref<T | null>(null) as Ref<T | null>

  async function perform(action: () => Promise<T>): Promise<T | null> {
    if (busy.value) return null
    busy.value = true
    error.value = null
    result.value = null
    try {
      result.value = await action()
      return result.value
    } catch (e) {
      error.value = e
      return null
    } finally {
      busy.value = false
    }
  }

  return { busy, error, result, perform }
}
