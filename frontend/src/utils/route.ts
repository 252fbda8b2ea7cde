import type { LocationQuery } from 'vue-router'

/** First string value of a route query parameter ('' if absent). */
export function queryString(query: LocationQuery, key: string): string {
  const v = query[key]
  const first = Array.isArray(v) ? v[0] : v
  return typeof first === 'string' ? first : ''
}

/** Positive integer query parameter, else `fallback`. */
export function queryInt(query: LocationQuery, key: string, fallback: number): number {
  const n = Number.parseInt(queryString(query, key), 10)
  return Number.isSafeInteger(n) && n > 0 ? n : fallback
}
