import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  ApiError,
  apiRequest,
  buildUrl,
  configureApiClient,
  describeError,
  parseApiErrorPayload,
  type Translate,
} from '@/api/client'
import { getReadiness } from '@/api/public'
import type { Locale } from '@/i18n/locales'

// Minimal translator: echoes the key and its parameters.
const t: Translate = (key, named) => (named ? `${key} ${JSON.stringify(named)}` : key)

const errorBody = {
  error: {
    code: 'bid_deadline_passed',
    message: 'Bid deadline has passed',
    message_zh: '投标截止时间已过',
    message_en: 'The bid deadline has passed',
    request_id: 'req-7f3a',
    details: [{ field: 'lot_id' }],
  },
}

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  })
}

function useFetch(impl: (url: string, init: RequestInit) => Promise<Response>, locale: Locale = 'zh-CN') {
  const fetchMock = vi.fn(impl)
  configureApiClient({ fetch: fetchMock as unknown as typeof fetch, locale: () => locale })
  return fetchMock
}

async function caught(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError)
    return e as ApiError
  }
  throw new Error('expected the request to fail')
}

afterEach(() => vi.restoreAllMocks())

describe('parseApiErrorPayload', () => {
  it('reads the platform error format', () => {
    expect(parseApiErrorPayload(errorBody)).toEqual(errorBody.error)
  })

  it('rejects other shapes', () => {
    expect(parseApiErrorPayload(null)).toBeNull()
    expect(parseApiErrorPayload({ detail: 'Not Found', status_code: 404 })).toBeNull()
    expect(parseApiErrorPayload({ error: 'boom' })).toBeNull()
    expect(parseApiErrorPayload({ error: { code: 1, message: 'x' } })).toBeNull()
  })

  it('ignores optional fields of the wrong type', () => {
    expect(parseApiErrorPayload({ error: { code: 'c', message: 'm', message_zh: 3, details: 'x' } })).toEqual({
      code: 'c',
      message: 'm',
    })
  })
})

describe('apiRequest', () => {
  it('sends Accept-Language from the current locale and returns parsed JSON', async () => {
    const fetchMock = useFetch(async () => json({ items: [], total: 0, page: 1, page_size: 20 }), 'en')
    const result = await apiRequest('/api/public/projects', { query: { q: '道路 工程', phase: null, page: 2 } })
    expect(result).toEqual({ items: [], total: 0, page: 1, page_size: 20 })
    const [url, init] = fetchMock.mock.calls[0] ?? []
    expect(url).toBe('/api/public/projects?q=%E9%81%93%E8%B7%AF+%E5%B7%A5%E7%A8%8B&page=2')
    expect((init?.headers as Record<string, string>)['Accept-Language']).toBe('en')
  })

  it('turns a platform error body into a typed ApiError', async () => {
    useFetch(async () => json(errorBody, 409))
    const err = await caught(apiRequest('/api/x'))
    expect(err.kind).toBe('http')
    expect(err.status).toBe(409)
    expect(err.code).toBe('bid_deadline_passed')
    expect(err.requestId).toBe('req-7f3a')
    expect(err.details).toEqual([{ field: 'lot_id' }])
    expect(err.messageFor('zh-CN')).toBe('投标截止时间已过')
    expect(err.messageFor('en')).toBe('The bid deadline has passed')
  })

  it('falls back to `message` when the localized message is missing', async () => {
    useFetch(async () => json({ error: { code: 'x', message: 'Plain message', request_id: 'r1' } }, 400))
    const err = await caught(apiRequest('/api/x'))
    expect(err.messageFor('zh-CN')).toBe('Plain message')
    expect(err.messageFor('en')).toBe('Plain message')
  })

  it('takes the request id from X-Request-ID when the body has none', async () => {
    useFetch(async () => new Response('<h1>Bad Gateway</h1>', { status: 502, headers: { 'X-Request-ID': 'hdr-1' } }))
    const err = await caught(apiRequest('/api/x'))
    expect(err.kind).toBe('http')
    expect(err.status).toBe(502)
    expect(err.payload).toBeNull()
    expect(err.requestId).toBe('hdr-1')
  })

  it('reports network failures as kind "network"', async () => {
    useFetch(async () => {
      throw new TypeError('Failed to fetch')
    })
    const err = await caught(apiRequest('/api/x'))
    expect(err.kind).toBe('network')
    expect(err.status).toBeNull()
  })

  it('reports a non-JSON success body as kind "invalid_response"', async () => {
    useFetch(async () => new Response('<!doctype html><html></html>', { status: 200 }))
    const err = await caught(apiRequest('/api/x'))
    expect(err.kind).toBe('invalid_response')
  })

  it('reports cancellation as kind "aborted"', async () => {
    const controller = new AbortController()
    useFetch(
      (_url, init) =>
        new Promise((_resolve, reject) => {
          init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))
        }),
    )
    const pending = apiRequest('/api/x', { signal: controller.signal })
    controller.abort()
    expect((await caught(pending)).kind).toBe('aborted')
  })

  it('accepts the 503 body of /ready', async () => {
    const body = {
      status: 'fail',
      checks: { database: { ok: true, detail: 'sqlite' }, redis: { ok: false, detail: 'connection refused' } },
    }
    useFetch(async () => json(body, 503))
    expect(await getReadiness()).toEqual(body)
  })
})

describe('describeError', () => {
  const apiErr = new ApiError('http', { status: 409, payload: errorBody.error })

  it('shows the server message in the current language, with the request id', () => {
    expect(describeError(apiErr, 'zh-CN', t)).toEqual({ message: '投标截止时间已过', requestId: 'req-7f3a' })
    expect(describeError(apiErr, 'en', t)).toEqual({ message: 'The bid deadline has passed', requestId: 'req-7f3a' })
  })

  it('falls back to generic translated messages', () => {
    expect(describeError(new ApiError('network'), 'en', t).message).toBe('errors.network')
    expect(describeError(new ApiError('invalid_response', { status: 200 }), 'en', t).message).toBe(
      'errors.invalidResponse',
    )
    expect(describeError(new ApiError('http', { status: 502 }), 'en', t).message).toBe('errors.http {"status":502}')
    expect(describeError(new Error('boom'), 'zh-CN', t)).toEqual({ message: 'errors.generic', requestId: null })
  })
})

describe('buildUrl', () => {
  it('skips empty values and keeps existing query strings', () => {
    expect(buildUrl('/a', { x: '', y: undefined, z: null })).toBe('/a')
    expect(buildUrl('/a?b=1', { c: 'd e' })).toBe('/a?b=1&c=d+e')
  })
})
