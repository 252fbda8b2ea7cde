/**
 * Pure helpers of the criteria editor (LotCriteriaEditor.vue): exact points in hundredths, the methods
 * a tender may use, a starting template, and the checks the page makes before sending. The server
 * (bidding/evaluation/criteria.py) decides; these only spare the agent a round trip.
 */
import type { Category } from '@/api/types'
import type { ChecklistItem, Criteria, Method, ScoringItem } from '@/api/criteria'

/** What the maxima of a comprehensive method add up to, in hundredths of a point. */
export const TOTAL_HUNDREDTHS = 10000
/** 87号令 55: the price weight of 综合评分法 is at least 30 % for goods, 10 % for services. */
export const PRICE_FLOORS: Readonly<Partial<Record<Category, number>>> = { goods: 30, services: 10 }

const POINTS = /^\s*(-?)(\d{1,4})(?:\.(\d{1,2}))?\s*$/

/** "27.5" → 2750; null for anything else than a number with at most two decimals. */
export function toHundredths(text: string): number | null {
  const match = POINTS.exec(text)
  if (!match) return null
  const whole = Number(match[2])
  const cents = Number((match[3] ?? '').padEnd(2, '0') || '0')
  const value = whole * 100 + cents
  return match[1] === '-' ? -value : value
}

/** 2750 → "27.50". */
export function formatHundredths(value: number): string {
  const sign = value < 0 ? '-' : ''
  const abs = Math.abs(value)
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}

/** The sum of the maxima in hundredths; null while one is not a number. */
export function sumHundredths(items: readonly ScoringItem[]): number | null {
  let sum = 0
  for (const item of items) {
    const value = toHundredths(item.maximum)
    if (value === null) return null
    sum += value
  }
  return sum
}

/** The methods a tender may use (规定 29; 政采条例 34): 综合评分法 in government procurement, 综合评估法 otherwise. */
export function methodsFor(governmentProcurement: boolean): Method[] {
  return governmentProcurement
    ? ['lowest_evaluated_price', 'comprehensive_scoring']
    : ['lowest_evaluated_price', 'comprehensive']
}

function checklistTemplate(): ChecklistItem[] {
  return [
    { name_zh: '投标函签字盖章', name_en: 'Bid letter signed and sealed', stage: 'formal', clause: '' },
    { name_zh: '资格证明文件', name_en: 'Qualification documents', stage: 'qualification', clause: '' },
    { name_zh: '投标有效期', name_en: 'Bid validity period', stage: 'responsiveness', clause: '' },
  ]
}

function priceItem(maximum: string): ScoringItem {
  return { name_zh: '投标报价', name_en: 'Bid price', maximum, nature: 'objective', scorer: 'system', is_price: true }
}

function subjective(name_zh: string, name_en: string, maximum: string): ScoringItem {
  return { name_zh, name_en, maximum, nature: 'subjective', scorer: 'each_expert', is_price: false }
}

/** A starting point for a lot: the method's usual items, adding up to 100, and a checklist whose clauses the agent fills in. */
export function criteriaTemplate(category: Category, governmentProcurement: boolean, method?: Method): Criteria {
  const gp = governmentProcurement && category !== 'works'
  const chosen = method ?? (gp ? 'comprehensive_scoring' : 'comprehensive')
  let items: ScoringItem[] = []
  if (chosen === 'comprehensive_scoring') {
    const price = String(Math.max(PRICE_FLOORS[category] ?? 30, 30))
    items = [priceItem(price), subjective('技术方案', 'Technical proposal', String(100 - Number(price) - 20)), subjective('售后服务', 'After-sales service', '20')]
  } else if (chosen === 'comprehensive') {
    items = [priceItem('40'), subjective('技术方案', 'Technical proposal', '45'), subjective('项目管理机构', 'Project management team', '15')]
  }
  return {
    method: chosen,
    category,
    government_procurement: gp,
    scoring_items: items,
    checklist: checklistTemplate(),
    price_formula: 'lowest_over_bid',
  }
}

export interface CriteriaIssue {
  /** An i18n key under `criteria.issue`. */
  key: string
  params?: Record<string, string | number>
}

/** What the page can tell before sending (the server checks everything, with the articles). */
export function criteriaIssues(c: Criteria): CriteriaIssue[] {
  const issues: CriteriaIssue[] = []
  const scored = c.method !== 'lowest_evaluated_price'
  c.scoring_items.forEach((item, i) => {
    const n = i + 1
    if (!item.name_zh.trim() || !item.name_en.trim()) issues.push({ key: 'criteria.issue.itemName', params: { n } })
    const value = toHundredths(item.maximum)
    if (value === null || value <= 0) issues.push({ key: 'criteria.issue.maximum', params: { n } })
    if (!item.is_price && item.nature === 'subjective' && item.scorer === 'system') {
      issues.push({ key: 'criteria.issue.subjectiveBySystem', params: { n } })
    }
  })
  c.checklist.forEach((check, i) => {
    const n = i + 1
    if (!check.name_zh.trim() || !check.name_en.trim()) issues.push({ key: 'criteria.issue.checkName', params: { n } })
    if (!check.clause.trim()) issues.push({ key: 'criteria.issue.clause', params: { n } })
  })
  if (!scored) {
    if (c.scoring_items.length) issues.push({ key: 'criteria.issue.lowestWithItems' })
    return issues
  }
  if (!c.scoring_items.length) {
    issues.push({ key: 'criteria.issue.noItems' })
    return issues
  }
  const sum = sumHundredths(c.scoring_items)
  if (sum !== null && sum !== TOTAL_HUNDREDTHS) issues.push({ key: 'criteria.issue.sum', params: { sum: formatHundredths(sum) } })
  const prices = c.scoring_items.filter((item) => item.is_price)
  if (prices.length > 1) issues.push({ key: 'criteria.issue.priceDuplicate' })
  if (c.method === 'comprehensive_scoring') {
    const price = prices[0]
    if (!price) {
      issues.push({ key: 'criteria.issue.priceMissing' })
    } else {
      const floor = PRICE_FLOORS[c.category]
      const value = toHundredths(price.maximum)
      // Weight = price ÷ total, compared exactly: price × 100 < floor × total.
      if (floor !== undefined && value !== null && sum !== null && sum > 0 && value * 100 < floor * sum) {
        issues.push({ key: 'criteria.issue.priceFloor', params: { floor } })
      }
    }
  }
  return issues
}
