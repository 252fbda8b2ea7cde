import { describe, expect, it } from 'vitest'
import en from '@/i18n/agent.en'
import zh from '@/i18n/agent.zh-CN'

type Tree = { [key: string]: string | Tree }

function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key
    if (typeof value === 'string') out.set(path, value)
    else for (const [k, v] of leaves(value, path)) out.set(k, v)
  }
  return out
}

const placeholders = (m: string): string => [...new Set([...m.matchAll(/\{(\w+)\}/g)].map((x) => x[1]))].sort().join(',')

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
