import { describe, expect, it } from 'vitest'
import { addDays, formatDateTime, formatTime, shanghaiDayKey, shanghaiDayStart } from '@/utils/time'

describe('Shanghai time helpers', () => {
  it('puts instants on the Shanghai calendar day', () => {
    expect(shanghaiDayKey('2025-03-01T15:59:59Z')).toBe('2025-03-01')
    expect(shanghaiDayKey('2025-03-01T16:00:00Z')).toBe('2025-03-02')
  })

  it('finds the instant a Shanghai day starts', () => {
    expect(shanghaiDayStart('2025-03-02').toISOString()).toBe('2025-03-01T16:00:00.000Z')
  })

  it('adds calendar days across month and year ends', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29')
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01')
  })

  it('formats in Asia/Shanghai whatever the local zone', () => {
    expect(formatTime('2025-03-01T01:30:00Z', 'zh-CN')).toBe('09:30')
    expect(formatDateTime('2025-03-01T16:05:00Z', 'zh-CN')).toBe('2025/03/02 00:05')
    expect(formatDateTime(null, 'en', 'n/a')).toBe('n/a')
    expect(formatDateTime('not a date', 'en', 'n/a')).toBe('n/a')
  })
})
