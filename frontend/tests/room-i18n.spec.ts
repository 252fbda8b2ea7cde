import { describe, expect, it } from 'vitest'
import { messages } from '@/i18n'
import roomEn from '@/i18n/room.en'
import roomZh from '@/i18n/room.zh-CN'
import { ROOM_STATES } from '@/room/client'
import { DEPOSIT_STATUSES } from '@/room/state'
import { leaves, placeholders, type Tree } from './i18n-helpers'

const zh = leaves(roomZh as Tree)
const en = leaves(roomEn as Tree)

describe('room i18n', () => {
  it('has the same keys, no empty message and the same placeholders in both languages', () => {
    expect([...zh.keys()].filter((k) => !en.has(k))).toEqual([])
    expect([...en.keys()].filter((k) => !zh.has(k))).toEqual([])
    expect([...zh, ...en].filter(([, v]) => !v.trim()).map(([k]) => k)).toEqual([])
    expect([...zh.keys()].filter((k) => placeholders(zh.get(k) ?? '') !== placeholders(en.get(k) ?? ''))).toEqual([])
  })

  it('names every state in both languages', () => {
    for (const s of ROOM_STATES) {
      expect(zh.get(`room.states.${s}`), s).toBeTruthy()
      expect(en.get(`room.stateHints.${s}`), s).toBeTruthy()
    }
  })

  it('names every deposit status in both languages', () => {
    for (const s of DEPOSIT_STATUSES) {
      expect(zh.get(`room.deposit.${s}`), s).toBeTruthy()
      expect(en.get(`room.deposit.${s}`), s).toBeTruthy()
    }
    expect(zh.get('room.deposit.wrong_payer')).toBe('非基本账户')
  })

  it('is merged into the app messages without replacing them', () => {
    expect(messages['zh-CN'].room.title).toBe('开标大厅')
    expect(messages.en.host.title).toBe('Host console')
    expect(messages['zh-CN'].app.name).toBe('电子招投标与不见面开标平台')
    expect(messages.en.nav.openings).toBe('Openings')
  })
})
