import { describe, expect, it } from 'vitest'
import en from '@/i18n/agent.en'
import zh from '@/i18n/agent.zh-CN'
import { leaves, placeholders, type Tree } from './i18n-helpers'

describe('agent texts', () => {
  const zhLeaves = leaves(zh as Tree)
  const enLeaves = leaves(en as Tree)

  it('have the same keys and placeholders in both languages, none empty', () => {
    expect([...zhLeaves.keys()].sort()).toEqual([...enLeaves.keys()].sort())
    for (const [key, message] of zhLeaves) {
      expect(message.trim(), key).not.toBe('')
      expect(placeholders(enLeaves.get(key) ?? ''), key).toBe(placeholders(message))
    }
  })

  it('use no characters vue-i18n would parse as syntax', () => {
    for (const [key, message] of [...zhLeaves, ...enLeaves]) {
      expect(/[@$]/.test(message), key).toBe(false)
    }
  })
})
