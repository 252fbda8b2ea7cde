/**
 * Small typed fetch wrapper for the platform API.
 *
 * - sends `Accept-Language` from the current UI locale;
 * - turns the platform's error body `{"error": {code, message, message_zh, message_en, request_id,
 *   details}}` into an `ApiError`, and network failures / unreadable bodies into an `ApiError` of
 *   another kind, so that views handle one error type;
 * - `describeError()` gives the text to show in the current language, with the request id.
 */
import { DEFAULT_LOCALE, type Locale } from '@/i18n/locales'

export interface ApiErrorPayload {
  code: string
  message: string
  message_zh?: string
  message_en?: string
  request_id?: string
  details?: unknown[]
}

/**
 * - `http`: the server answered with an error status (payload is set if it used the platform format);
 * - `network`: no response at all (offline, DNS, refused, CORS);
 * - `invalid_response`: a response came but its body is not the JSON we expected;
 * - `aborted`: the caller cancelled the request.
 */
export type ApiErrorKind = 'http' | 'network' | 'invalid_response' | 'aborted'

export class ApiError extends Error {
  override readonly name = 'ApiError'
  readonly kind: ApiErrorKind
  readonly status: number | null
  readonly payload: ApiErrorPayload | null
  /** From the error body, else from the `X-Request-ID` response header. */
  readonly requestId: string | null

  constructor(
    kind: ApiErrorKind,
    init: {
      status?: number | null
      payload?: ApiErrorPayload | null
      requestId?: string | null
      cause?: unknown
    } = {},
  ) {
    const payload = init.payload ?? null
    super(payload?.message ?? `API request failed (${kind}${init.status ? ` ${init.status}` : ''})`, {
      cause: init.cause,
    })
    this.kind = kind
    this.status = init.status ?? null
    this.payload = payload
    this.requestId = payload?.request_id || init.requestId || null
  }

  get code(): string | null {
    return this.payload?.code ?? null
  }

  get details(): unknown[] {
    return this.payload?.details ?? []
  }

  /** The server's message in `locale`, falling back to its generic `message`; null if none. */
  messageFor(locale: Locale): string | null {
    const p = this.payload
    if (!p) return null
    const localized = locale === 'zh-CN' ? p.message_zh : p.message_en
    return localized || p.message || null
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

/** Reads the platform error format out of a parsed JSON body; null if the body is not in it. */
export function parseApiErrorPayload(body: unknown): ApiErrorPayload | null {
  if (!isRecord(body) || !isRecord(body.error)) return null
  const e = body.error
  if (typeof e.code !== 'string' || typeof e.message !== 'string') return null
  const payload: ApiErrorPayload = { code: e.code, message: e.message }
  const zh = optionalString(e.message_zh)
  const en = optionalString(e.message_en)
  const requestId = optionalString(e.request_id)
  if (zh !== undefined) payload.message_zh = zh
  if (en !== undefined) payload.message_en = en
  if (requestId !== undefined) payload.request_id = requestId
  if (Array.isArray(e.details)) payload.details = e.details
  return payload
}

/** Builds an `ApiError` from an error response (reads its body). */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  const requestId = response.headers.get('x-request-id')
  let body: unknown
  try {
    body = JSON.parse(await response.text())
  } catch (cause) {
    return new ApiError('http', { status: response.status, requestId, cause })
  }
  return new ApiError('http', {
    status: response.status,
    payload: parseApiErrorPayload(body),
    requestId,
  })
}

export type QueryValue = string | number | boolean | null | undefined
export type Query = Record<string, QueryValue>

/** `path` plus the query string; null, undefined and empty-string values are left out. */
export function buildUrl(path: string, query?: Query): string {
  if (!query) return path
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value === null || value === undefined || value === '') continue
    params.append(key, String(value))
  }
  const qs = params.toString()
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path
}

/** What the client calls to reach the network (`fetch`, or a test double). */
export type Fetcher = (input: string, init?: RequestInit) => Promise<Response>

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  query?: Query
  /** Sent as JSON. */
  body?: unknown
  /** Sent as multipart/form-data (the browser sets the boundary); instead of `body`. */
  form?: FormData
  /** Sent as it is (a file, an upload chunk) with `contentType`; instead of `body` and `form`. */
  raw?: Blob | ArrayBuffer
  contentType?: string
  /** More request headers (e.g. `X-Filename`). */
  headers?: Record<string, string>
  /** Without the session's token or cookies: what the public gets. */
  anonymous?: boolean
  signal?: AbortSignal
  /** Error statuses whose JSON body is still the answer (e.g. 503 from `/ready`). */
  acceptStatuses?: readonly number[]
  /** This call's network and token instead of the configured ones (modules with test doubles of their own). */
  fetch?: Fetcher
  token?: () => string | null
}

interface ClientConfig {
  locale: () => Locale
  fetch: typeof fetch
  /** The session's bearer token, sent as `Authorization: Bearer …` when set. */
  token: () => string | null
}

const config: ClientConfig = {
  locale: () => DEFAULT_LOCALE,
  token: () => null,
  fetch: (...args) => globalThis.fetch(...args),
}

/** Wires the client to the app (locale source) or to test doubles (fetch). */
export function configureApiClient(options: Partial<ClientConfig>): void {
  Object.assign(config, options)
}

function isAbort(error: unknown, signal?: AbortSignal): boolean {
  return (
    signal?.aborted === true || (error instanceof DOMException && error.name === 'AbortError')
  )
}

/**
 * Sends a request the platform's way (language, bearer token, body kind) and returns the response
 * once its status is acceptable; throws `ApiError` for a network failure or an error answer.
 * `accept` is the `Accept` header (JSON unless a file is asked for).
 */
export async function apiFetch(path: string, options: RequestOptions = {}, accept = 'application/json'): Promise<Response> {
  const headers: Record<string, string> = { Accept: accept, 'Accept-Language': config.locale(), ...options.headers }
  const token = options.anonymous ? null : (options.token ?? config.token)()
  if (token) headers.Authorization = `Bearer ${token}`
  const init: RequestInit = {
    method: options.method ?? 'GET',
    headers,
    credentials: options.anonymous ? 'omit' : 'same-origin',
  }
  if (options.signal) init.signal = options.signal
  if (options.raw !== undefined) {
    headers['Content-Type'] = options.contentType ?? 'application/octet-stream'
    init.body = options.raw
  } else if (options.form !== undefined) {
    init.body = options.form
  } else if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    init.body = JSON.stringify(options.body)
  }

  let response: Response
  try {
    response = await (options.fetch ?? config.fetch)(buildUrl(path, options.query), init)
  } catch (cause) {
    throw new ApiError(isAbort(cause, options.signal) ? 'aborted' : 'network', { cause })
  }
  if (!response.ok && !options.acceptStatuses?.includes(response.status)) {
    throw await errorFromResponse(response)
  }
  return response
}

/** The JSON body of a response; `ApiError` if it cannot be read or parsed. */
export async function readJson<T>(response: Response, signal?: AbortSignal): Promise<T> {
  if (response.status === 204) return undefined as T
  const requestId = response.headers.get('x-request-id')
  let text: string
  try {
    text = await response.text()
  } catch (cause) {
    const kind = isAbort(cause, signal) ? 'aborted' : 'network'
    throw new ApiError(kind, { status: response.status, requestId, cause })
  }
  try {
    return JSON.parse(text) as T
  } catch (cause) {
    throw new ApiError('invalid_response', { status: response.status, requestId, cause })
  }
}

/** Performs a request and returns the parsed JSON body; throws `ApiError` on any failure. */
export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  return readJson<T>(await apiFetch(path, options), options.signal)
}

/** Performs a request for a file (receipts, documents, PDFs) and returns it as a Blob. */
export async function apiBlob(path: string, options: RequestOptions = {}): Promise<Blob> {
  const response = await apiFetch(path, options, '*/*')
  try {
    return await response.blob()
  } catch (cause) {
    const kind = isAbort(cause, options.signal) ? 'aborted' : 'network'
    throw new ApiError(kind, { status: response.status, requestId: response.headers.get('x-request-id'), cause })
  }
}

/** Translation function as needed here (vue-i18n's `t` fits). */
export type Translate = (key: string, named?: Record<string, unknown>) => string

export interface ErrorDescription {
  message: string
  requestId: string | null
}

/** What to show the user for `error`, in `locale`. */
export function describeError(error: unknown, locale: Locale, t: Translate): ErrorDescription {
  if (!(error instanceof ApiError)) return { message: t('errors.generic'), requestId: null }
  const requestId = error.requestId
  switch (error.kind) {
    case 'network':
      return { message: t('errors.network'), requestId }
    case 'aborted':
      return { message: t('errors.aborted'), requestId }
    case 'invalid_response':
      return { message: t('errors.invalidResponse'), requestId }
    case 'http': {
      const message =
        error.messageFor(locale) ??
        (error.status ? t('errors.http', { status: error.status }) : t('errors.generic'))
      return { message, requestId }
    }
  }
}
