import { expect } from 'vitest'

/** Byte arrays compared natively (vitest's deep equality is far too slow on MiBs). */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length)
  let firstDiff = -1
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) {
      firstDiff = i
      break
    }
  }
  expect(firstDiff).toBe(-1)
}
