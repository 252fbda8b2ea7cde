/** Shared by the API specs: record the requests the client sends, and put the client back after. */
import { configureApiClient } from '@/api/client'

export interface Seen {
  url: string
  init: RequestInit
}

/** Makes the API client answer every request with `answer()` and returns the requests it saw. */
export function recordFetch(answer: () => Response = () => new Response('{}')): Seen[] {
  const seen: Seen[] = []
  configureApiClient({
    fetch: async (url, init) => {
      seen.push({ url: String(url), init: init ?? {} })
      return answer()
    },
  })
  return seen
}

/** The client as it was: the browser's fetch, no token (for `afterEach`). */
export function restoreApiClient(): void {
  configureApiClient({ fetch: (input, init) => globalThis.fetch(input, init), token: () => null })
}
