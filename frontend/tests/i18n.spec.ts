import { describe, expect, it } from 'vitest'
import en from '@/i18n/en'
import zhCN from '@/i18n/zh-CN'
import { leaves, placeholders, type Tree } from './i18n-helpers'

const zh = leaves(zhCN)
const english = leaves(en as Tree)

describe('i18n catalogues', () => {
  it('every zh-CN key exists in en', () => {
    expect([...zh.keys()].filter((k) => !english.has(k))).toEqual([])
  })

  it('every en key exists in zh-CN', () => {
    expect([...english.keys()].filter((k) => !zh.has(k))).toEqual([])
  })

  it('has no empty messages', () => {
    const empty = [...zh, ...english].filter(([, v]) => v.trim() === '').map(([k]) => k)
    expect(empty).toEqual([])
  })

  it('uses the same placeholders in both languages', () => {
    const mismatched = [...zh.keys()].filter(
      (k) => english.has(k) && placeholders(zh.get(k) ?? '') !== placeholders(english.get(k) ?? ''),
    )
    expect(mismatched).toEqual([])
  })

  it('names the platform in both languages', () => {
    expect(zhCN.app.name).toBe('电子招投标与不见面开标平台')
    expect(en.app.name).toBe('e-Bidding and Remote Bid-Opening Platform')
  })
})
