import { describe, expect, it } from 'vitest'
import en from '@/i18n/en'
import zhCN from '@/i18n/zh-CN'

type Tree = { [key: string]: string | Tree }

/** Leaf key paths ("a.b.c") with their message. */
function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key
    if (typeof value === 'string') out.set(path, value)
    else for (const [k, v] of leaves(value, path)) out.set(k, v)
  }
  return out
}

function placeholders(message: string): string[] {
  return [...new Set([...message.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? ''))].sort()
}

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
      (k) => english.has(k) && placeholders(zh.get(k) ?? '').join() !== placeholders(english.get(k) ?? '').join(),
    )
    expect(mismatched).toEqual([])
  })

  it('names the platform in both languages', () => {
    expect(zhCN.app.name).toBe('公共资源电子交易平台')
    expect(en.app.name).toBe('Public Resource e-Trading Platform')
  })
})
