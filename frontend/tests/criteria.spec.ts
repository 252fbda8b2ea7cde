import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, configureApiClient } from '@/api/client'
import { criteriaProblems, getPublicCriteria, putLotCriteria, type Criteria } from '@/api/criteria'
import en from '@/i18n/criteria.en'
import zh from '@/i18n/criteria.zh-CN'
import {
  criteriaIssues,
  criteriaTemplate,
  formatHundredths,
  methodsFor,
  sumHundredths,
  toHundredths,
} from '@/views/agent/criteriaForm'
import { leaves, placeholders, type Tree } from './i18n-helpers'

function goods(price: string, technical: string, service: string): Criteria {
  const c = criteriaTemplate('goods', true)
  c.scoring_items[0]!.maximum = price
  c.scoring_items[1]!.maximum = technical
  c.scoring_items[2]!.maximum = service
  c.checklist.forEach((check, i) => (check.clause = `第二章 3.${i + 1}`))
  return c
}

const keys = (c: Criteria): string[] => criteriaIssues(c).map((i) => i.key.replace('criteria.issue.', ''))

describe('points', () => {
  it('are read exactly in hundredths, at most two decimals', () => {
    expect(toHundredths('27.5')).toBe(2750)
    expect(toHundredths(' 30 ')).toBe(3000)
    expect(toHundredths('0.01')).toBe(1)
    expect(toHundredths('-5')).toBe(-500)
    expect(toHundredths('27.505')).toBeNull()
    expect(toHundredths('1e2')).toBeNull()
    expect(toHundredths('')).toBeNull()
  })

  it('add up without binary rounding: 33.33 + 33.33 + 33.34 = 100.00', () => {
    const items = goods('33.33', '33.33', '33.34').scoring_items
    expect(sumHundredths(items)).toBe(10000)
    expect(formatHundredths(10000)).toBe('100.00')
    expect(formatHundredths(2750)).toBe('27.50')
    expect(formatHundredths(-5)).toBe('-0.05')
    items[0]!.maximum = 'x'
    expect(sumHundredths(items)).toBeNull()
  })
})

describe('the criteria template', () => {
  it('is 综合评分法 for government-procured goods: price 30 + 50 + 20, and passes', () => {
    const c = goods('30', '50', '20')
    expect(c.method).toBe('comprehensive_scoring')
    expect(c.scoring_items.map((i) => i.maximum)).toEqual(['30', '50', '20'])
    expect(c.scoring_items[0]).toMatchObject({ is_price: true, nature: 'objective', scorer: 'system' })
    expect(criteriaIssues(c)).toEqual([])
  })

  it('is 综合评估法 for works, never government procurement (政采条例 7)', () => {
    const c = criteriaTemplate('works', true)
    expect(c.government_procurement).toBe(false)
    expect(c.method).toBe('comprehensive')
    expect(sumHundredths(c.scoring_items)).toBe(10000)
    expect(keys(c)).toEqual(['clause', 'clause', 'clause']) // the clauses are the agent's to write
  })

  it('offers the methods of the procurement (政采条例 34; 规定 29)', () => {
    expect(methodsFor(true)).toEqual(['lowest_evaluated_price', 'comprehensive_scoring'])
    expect(methodsFor(false)).toEqual(['lowest_evaluated_price', 'comprehensive'])
  })
})

describe('criteria issues', () => {
  it('name a sum that is not 100', () => {
    const issues = criteriaIssues(goods('30', '50', '15'))
    expect(issues).toEqual([{ key: 'criteria.issue.sum', params: { sum: '95.00' } }])
  })

  it('refuse a goods price weight under 30 % (87号令 55), and take 30.00 exactly', () => {
    expect(keys(goods('29.99', '50.01', '20'))).toEqual(['priceFloor'])
    expect(keys(goods('30.00', '50', '20'))).toEqual([])
    const services = goods('10', '70', '20')
    services.category = 'services'
    expect(keys(services)).toEqual([])
    services.scoring_items[0]!.maximum = '9.99'
    services.scoring_items[1]!.maximum = '70.01'
    expect(keys(services)).toEqual(['priceFloor'])
  })

  it('name items without names, maxima or clauses, by their place', () => {
    const c = goods('30', '50', '20')
    c.scoring_items[1]!.name_en = ' '
    c.scoring_items[2]!.maximum = '0'
    c.checklist[0]!.clause = ''
    expect(criteriaIssues(c)).toEqual([
      { key: 'criteria.issue.itemName', params: { n: 2 } },
      { key: 'criteria.issue.maximum', params: { n: 3 } },
      { key: 'criteria.issue.clause', params: { n: 1 } },
      { key: 'criteria.issue.sum', params: { sum: '80.00' } },
    ])
  })

  it('keep the lowest evaluated price method free of scoring items and a subjective item with the experts', () => {
    const lowest = goods('30', '50', '20')
    lowest.method = 'lowest_evaluated_price'
    expect(keys(lowest)).toEqual(['lowestWithItems'])
    lowest.scoring_items = []
    expect(keys(lowest)).toEqual([])
    const computed = goods('30', '50', '20')
    computed.scoring_items[1]!.scorer = 'system'
    expect(keys(computed)).toEqual(['subjectiveBySystem'])
  })

  it('want one price item in 综合评分法', () => {
    const none = goods('30', '50', '20')
    none.scoring_items[0]!.is_price = false
    expect(keys(none)).toEqual(['priceMissing'])
    const two = goods('30', '50', '20')
    two.scoring_items[1]!.is_price = true
    two.scoring_items[1]!.nature = 'objective'
    expect(keys(two)).toEqual(['priceDuplicate'])
  })
})

describe('server refusals', () => {
  it('are read from a criteria_invalid error, and only from one', () => {
    const detail = {
      reason: 'maxima_not_100',
      message_zh: '各评分项分值之和须为100分',
      message_en: 'The maxima of the scoring items must add up to 100',
      article: '规定35–36；87号令55',
      value: '95',
    }
    const refused = new ApiError('http', {
      status: 422,
      payload: { code: 'criteria_invalid', message: 'x', details: [detail, { nonsense: true }] },
    })
    expect(criteriaProblems(refused)).toEqual([detail])
    const other = new ApiError('http', { status: 409, payload: { code: 'criteria_frozen', message: 'x', details: [detail] } })
    expect(criteriaProblems(other)).toEqual([])
    expect(criteriaProblems(new Error('x'))).toEqual([])
  })
})

describe('the criteria API', () => {
  const realFetch = (...args: Parameters<typeof fetch>) => globalThis.fetch(...args)
  afterEach(() => configureApiClient({ fetch: realFetch }))

  function reply(body: unknown, status = 200): Response {
    return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
  }

  it('puts the criteria as JSON to the lot and reads the public copy anonymously; a 404 is "none"', async () => {
    const fetchMock = vi.fn(async (_url: string, _init: RequestInit) => reply({ sha256: 'a'.repeat(64) }))
    configureApiClient({ fetch: fetchMock as unknown as typeof fetch })
    const c = goods('30', '50', '20')
    await putLotCriteria('lot/1', c)
    const [url, init] = fetchMock.mock.calls[0]!
    expect(url).toBe('/api/agent/lots/lot%2F1/criteria')
    expect(init.method).toBe('PUT')
    expect(JSON.parse(String(init.body))).toEqual(c)

    await getPublicCriteria('lot-2')
    const [publicUrl, publicInit] = fetchMock.mock.calls[1]!
    expect(publicUrl).toBe('/api/public/lots/lot-2/criteria')
    expect(publicInit.credentials).toBe('omit')

    fetchMock.mockImplementationOnce(async () =>
      reply({ error: { code: 'criteria_not_found', message: 'none' } }, 404),
    )
    expect(await getPublicCriteria('lot-3')).toBeNull()
    fetchMock.mockImplementationOnce(async () => reply({ error: { code: 'internal', message: 'x' } }, 503))
    await expect(getPublicCriteria('lot-4')).rejects.toBeInstanceOf(ApiError)
  })
})

describe('criteria texts', () => {
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
      expect(/[@$|]/.test(message), key).toBe(false)
    }
  })

  it('name every issue the editor can raise', () => {
    const issueKeys = [...zhLeaves.keys()].filter((k) => k.startsWith('criteria.issue.'))
    expect(issueKeys.sort()).toEqual(
      [
        'clause',
        'checkName',
        'itemName',
        'lowestWithItems',
        'maximum',
        'noItems',
        'priceDuplicate',
        'priceFloor',
        'priceMissing',
        'subjectiveBySystem',
        'sum',
      ]
        .map((k) => `criteria.issue.${k}`)
        .sort(),
    )
  })
})
