/** The bidder API module: headers, raw chunk bodies, the server clock, the platform's errors. */
import { afterEach, describe, expect, it } from 'vitest'
import { ApiError } from '@/api/client'
import { fetchBlob, listBids, putChunk, setBidderFetch, startUpload } from '@/api/bidder'
import { clearSession, setSession } from '@/auth/session'

afterEach(() => {
  clearSession()
  setBidderFetch((input, init) => globalThis.fetch(input, init))
})

function login(): void {
  setSession({
    token: 'tok-1',
    token_type: 'bearer',
    expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    session: { role: 'bidder' },
  } as never)
}

describe('bidder API', () => {
  it('sends the token and a raw octet-stream chunk, and reads the server time from Date', async () => {
    login()
    const seen: { url: string; init: RequestInit }[] = []
    setBidderFetch(async (url, init) => {
      seen.push({ url, init: init ?? {} })
      return new Response(JSON.stringify({ id: 'u', next_chunk: 1 }), {
        headers: { Date: 'Mon, 23 Nov 2026 06:00:00 GMT' },
      })
    })
    const res = await putChunk('u 1', 0, new Blob([new Uint8Array([1, 2, 3])]))
    expect(seen[0]?.url).toBe('/api/bidder/uploads/u%201/chunks/0')
    const headers = seen[0]?.init.headers as Record<string, string>
    expect(seen[0]?.init.method).toBe('PUT')
    expect(headers.Authorization).toBe('Bearer tok-1')
    expect(headers['Content-Type']).toBe('application/octet-stream')
    expect(seen[0]?.init.body).toBeInstanceOf(Blob)
    expect(res.serverDate?.toISOString()).toBe('2026-11-23T06:00:00.000Z')
  })

  it('starts a chunked upload with a JSON body', async () => {
    let body: unknown = null
    setBidderFetch(async (_url, init) => {
      body = JSON.parse(String(init?.body))
      return new Response('{}')
    })
    const res = await startUpload('lot', 42)
    expect(body).toEqual({ size: 42, mode: 'chunked' })
    expect(res.serverDate).toBeNull()
  })

  it('turns the platform error format into ApiError, and a dead network into kind network', async () => {
    setBidderFetch(
      async () =>
        new Response(JSON.stringify({ error: { code: 'upload_not_yours', message: 'no', request_id: 'r-1' } }), {
          status: 403,
        }),
    )
    const error = (await listBids('lot').catch((e: unknown) => e)) as ApiError
    expect(error).toBeInstanceOf(ApiError)
    expect([error.code, error.status, error.requestId]).toEqual(['upload_not_yours', 403, 'r-1'])

    setBidderFetch(async () => {
      throw new TypeError('Failed to fetch')
    })
    await expect(fetchBlob('/x')).rejects.toMatchObject({ kind: 'network' })
  })
})
