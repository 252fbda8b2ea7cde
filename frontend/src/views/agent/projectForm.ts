/**
 * The create-project form as plain data, and its translation into the API payload: yuan → integer
 * fen (string arithmetic, never floats), the 2 % deposit rule (条例 26, same integer test as the
 * server), the deposit's accepted forms and basic account (发改法规〔2023〕27号, 条例 26, as
 * bidding/tendering/rules/deposit_requirements.py), Shanghai wall-clock time → ISO 8601 with
 * `+08:00`, and the opening-form field list.
 * No Vue here, so all of it is unit-tested (tests/agent-form.spec.ts).
 */
import type { AgentProject, DepositForm, FieldType, FormField, NewLotPayload, NewProjectPayload } from '@/api/agent'
import type { Category } from '@/api/types'
import { isValidCreditCode } from '@/crypto/subject'

export const PRICE_FIELD = 'price_fen'
export const FIELD_TYPES: readonly FieldType[] = ['money', 'integer', 'text']
/** Same limits as bidding/tendering/rules/forms.py and the lot windows in bidding/tendering/service.py. */
export const MAX_FIELDS = 20
export const FIELD_KEY = /^[a-z][a-z0-9_]{0,39}$/
export const WINDOW_MIN = 1
export const WINDOW_MAX = 1440
/** The deposit may be at most 2/100 of the estimate. */
const DEPOSIT_NUM = 2n
const DEPOSIT_DEN = 100n
const SHANGHAI_OFFSET = '+08:00'
/** 投标有效期: 90 days unless the agent says otherwise, at most 365 (as the server). */
export const VALIDITY_DEFAULT = 90
export const VALIDITY_MAX = 365
export const DEFAULT_DEPOSIT_FORMS: readonly DepositForm[] = ['bank_transfer', 'e_guarantee']
/**
 * The absolute caps of a deposit by default, in fen (RULES a3: ¥800,000 works and goods, ¥100,000
 * design and survey). The centre may configure others (BIDDING_DEPOSIT_CAPS_YUAN): shown as a hint,
 * the server decides at publication.
 */
export const DEFAULT_CAPS_FEN = { works: 80_000_000, goods: 80_000_000, services: 80_000_000, design_survey: 10_000_000 }

/** `auto`: the category's default (works: required, 条例 26); `yes` / `no`: the agent's choice. */
export type BasicAccountChoice = 'auto' | 'yes' | 'no'

export interface FieldRow {
  key: string
  label_zh: string
  label_en: string
  type: FieldType
}

export interface LotDraft {
  code: string
  name: string
  /** As typed, in 元 (yuan): "1,234,567.89". */
  estimateYuan: string
  depositYuan: string
  /** `<input type="datetime-local">` value, read as Asia/Shanghai wall-clock time. */
  deadlineLocal: string
  decryptMinutes: number | string
  objectionMinutes: number | string
  fields: FieldRow[]
  /** The accepted deposit forms. */
  depositForms: DepositForm[]
  basicAccount: BasicAccountChoice
  /** 勘察设计: the lower absolute cap. */
  designSurvey: boolean
  validityDays: number | string
}

export interface ProjectDraft {
  code: string
  name: string
  category: Category
  tendererCreditCode: string
  region: string
  lots: LotDraft[]
}

/** A problem found before sending: where (`lot` index, `field` name) and an i18n key with params. */
export interface Issue {
  lot: number | null
  field: string
  key: string
  params?: Record<string, string | number>
}

export type BuildResult = { ok: true; payload: NewProjectPayload } | { ok: false; issues: Issue[] }

export function priceField(): FieldRow {
  return { key: PRICE_FIELD, label_zh: '投标报价（元）', label_en: 'Bid price', type: 'money' }
}

export function emptyLot(index: number): LotDraft {
  return {
    code: `${index + 1}`.padStart(2, '0'),
    name: '',
    estimateYuan: '',
    depositYuan: '',
    deadlineLocal: '',
    decryptMinutes: 30,
    objectionMinutes: 15,
    fields: [priceField()],
    depositForms: [...DEFAULT_DEPOSIT_FORMS],
    basicAccount: 'auto',
    designSurvey: false,
    validityDays: VALIDITY_DEFAULT,
  }
}

export function emptyDraft(): ProjectDraft {
  return { code: '', name: '', category: 'works', tendererCreditCode: '', region: '', lots: [emptyLot(0)] }
}

/**
 * "1,234,567.89" (yuan) → 123456789 (fen). Commas, spaces and a leading ¥ are ignored; at most two
 * decimals; negative, empty or unsafe (beyond 2^53 fen) amounts give null.
 */
export function yuanToFen(text: string): number | null {
  const s = text.replace(/[\s,，¥￥]/g, '')
  const m = /^(\d+)(?:\.(\d{0,2}))?$/.exec(s)
  if (!m) return null
  const fen = BigInt(m[1] ?? '0') * 100n + BigInt((m[2] ?? '').padEnd(2, '0'))
  return fen <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(fen) : null
}

/** The largest deposit allowed for an estimate: ⌊estimate × 2 / 100⌋ fen. */
export function depositLimitFen(estimateFen: number): number {
  return Number((BigInt(estimateFen) * DEPOSIT_NUM) / DEPOSIT_DEN)
}

/** 条例 26, exactly as bidding/tendering/rules/projects.py::deposit_allowed. */
export function depositAllowed(depositFen: number, estimateFen: number): boolean {
  return depositFen >= 0 && BigInt(depositFen) * DEPOSIT_DEN <= BigInt(estimateFen) * DEPOSIT_NUM
}

/** Whether transfers must come from the basic account: the agent's choice, else works only (条例 26). */
export function basicAccountRequired(choice: BasicAccountChoice, category: Category): boolean {
  return choice === 'auto' ? category === 'works' : choice === 'yes'
}

/** The default absolute cap of a lot's deposit (a hint; the server's configuration decides). */
export function defaultCapFen(category: Category, designSurvey: boolean): number {
  return designSurvey ? DEFAULT_CAPS_FEN.design_survey : DEFAULT_CAPS_FEN[category]
}

/**
 * The deposit rules on the forms, as the server checks them at publication (one i18n key each):
 * at least one form; cash never the only one and guarantees accepted (发改法规〔2023〕27号); works
 * taking transfers or cash require the basic account (条例 26). Nothing to check without a deposit.
 */
export function depositFormIssues(
  forms: readonly DepositForm[],
  choice: BasicAccountChoice,
  category: Category,
  depositFen: number | null,
): string[] {
  if (!depositFen) return []
  const issues: string[] = []
  if (forms.length === 0) return ['agent.check.formsEmpty']
  if (forms.length === 1 && forms[0] === 'cash') issues.push('agent.check.cashOnly')
  if (!forms.includes('e_guarantee')) issues.push('agent.check.guaranteeAccepted')
  const paysMoney = forms.includes('bank_transfer') || forms.includes('cash')
  if (category === 'works' && paysMoney && !basicAccountRequired(choice, category)) issues.push('agent.check.basicAccount')
  return issues
}

/**
 * "2026-12-15T09:30" read in Shanghai → "2026-12-15T09:30:00+08:00" (what the server stores is
 * then unambiguous whatever the browser's own zone). null for anything that is not a real date.
 */
export function shanghaiLocalToIso(local: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local.trim())
  if (!m) return null
  const [, y, mo, d, h, mi, s] = m
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}${SHANGHAI_OFFSET}`
  const date = new Date(iso)
  // Reject 2026-02-30 and 25:00, which Date would roll over: the round trip must give the same text.
  if (Number.isNaN(date.getTime()) || isoToShanghaiLocal(iso) !== `${y}-${mo}-${d}T${h}:${mi}`) return null
  return iso
}

/** An instant as the Shanghai wall-clock value of a datetime-local input: "YYYY-MM-DDTHH:mm". */
export function isoToShanghaiLocal(value: string | Date): string {
  const date = value instanceof Date ? value : new Date(value)
  if (Number.isNaN(date.getTime())) return ''
  // Shanghai has had no daylight saving since 1991: a fixed +8 h shift is exact.
  const shifted = new Date(date.getTime() + 8 * 3600_000)
  return shifted.toISOString().slice(0, 16)
}

/** Problems in one lot's field list (the server checks the same, see bidding/tendering/rules/forms.py). */
export function fieldIssues(fields: readonly FieldRow[], lot: number | null = null): Issue[] {
  const issues: Issue[] = []
  if (fields.length > MAX_FIELDS) issues.push({ lot, field: 'fields', key: 'agent.check.tooManyFields', params: { max: MAX_FIELDS } })
  const seen = new Set<string>()
  fields.forEach((f, i) => {
    const row = i + 1
    const key = f.key.trim()
    if (!FIELD_KEY.test(key)) issues.push({ lot, field: `fields.${i}.key`, key: 'agent.check.fieldKey', params: { row } })
    else if (seen.has(key)) issues.push({ lot, field: `fields.${i}.key`, key: 'agent.check.fieldDuplicate', params: { row, key } })
    seen.add(key)
    if (!FIELD_TYPES.includes(f.type)) issues.push({ lot, field: `fields.${i}.type`, key: 'agent.check.fieldType', params: { row } })
    if (key === PRICE_FIELD && f.type !== 'money') issues.push({ lot, field: `fields.${i}.type`, key: 'agent.check.priceMoney', params: { row } })
    if (!f.label_zh.trim() || !f.label_en.trim()) issues.push({ lot, field: `fields.${i}.label`, key: 'agent.check.fieldLabels', params: { row } })
  })
  if (!seen.has(PRICE_FIELD)) issues.push({ lot, field: 'fields', key: 'agent.check.priceMissing' })
  return issues
}

function windowMinutes(value: number | string): number | null {
  const n = typeof value === 'number' ? value : Number(String(value).trim())
  return Number.isInteger(n) && n >= WINDOW_MIN && n <= WINDOW_MAX ? n : null
}

function validityDays(value: number | string): number | null {
  const n = typeof value === 'number' ? value : Number(String(value).trim())
  return Number.isInteger(n) && n >= 1 && n <= VALIDITY_MAX ? n : null
}

function buildLot(lot: LotDraft, index: number, now: Date, issues: Issue[], category: Category): NewLotPayload | null {
  const at = (field: string, key: string, params?: Record<string, string | number>): void => {
    issues.push({ lot: index, field, key, ...(params ? { params } : {}) })
  }
  const before = issues.length
  if (!lot.code.trim()) at('code', 'agent.check.required')
  if (!lot.name.trim()) at('name', 'agent.check.required')
  const estimate = yuanToFen(lot.estimateYuan)
  const deposit = yuanToFen(lot.depositYuan)
  if (estimate === null) at('estimate', 'agent.check.money')
  else if (estimate <= 0) at('estimate', 'agent.check.positive')
  if (deposit === null) at('deposit', 'agent.check.money')
  else if (estimate !== null && estimate > 0 && !depositAllowed(deposit, estimate))
    at('deposit', 'agent.check.depositRule', { max: depositLimitFen(estimate) })
  const deadline = shanghaiLocalToIso(lot.deadlineLocal)
  if (deadline === null) at('deadline', 'agent.check.deadline')
  else if (new Date(deadline).getTime() <= now.getTime()) at('deadline', 'agent.check.deadlinePast')
  const decrypt = windowMinutes(lot.decryptMinutes)
  const objection = windowMinutes(lot.objectionMinutes)
  if (decrypt === null) at('decrypt', 'agent.check.window', { min: WINDOW_MIN, max: WINDOW_MAX })
  if (objection === null) at('objection', 'agent.check.window', { min: WINDOW_MIN, max: WINDOW_MAX })
  for (const key of depositFormIssues(lot.depositForms, lot.basicAccount, category, deposit)) at('depositForms', key)
  const validity = validityDays(lot.validityDays)
  if (validity === null) at('validity', 'agent.check.validity', { max: VALIDITY_MAX })
  issues.push(...fieldIssues(lot.fields, index))
  if (issues.length > before || estimate === null || deposit === null || !deadline || !decrypt || !objection || !validity)
    return null
  return {
    code: lot.code.trim(),
    name: lot.name.trim(),
    estimated_price_fen: estimate,
    deposit_fen: deposit,
    bid_deadline: deadline,
    decrypt_window_minutes: decrypt,
    objection_window_minutes: objection,
    form_fields: lot.fields.map<FormField>((f) => ({
      key: f.key.trim(),
      label_zh: f.label_zh.trim(),
      label_en: f.label_en.trim(),
      type: f.type,
    })),
    deposit_forms: [...lot.depositForms].sort(),
    basic_account_required: lot.basicAccount === 'auto' ? null : lot.basicAccount === 'yes',
    design_survey: lot.designSurvey,
    bid_validity_days: validity,
  }
}

/** The POST /api/agent/projects/ body, or every problem found (nothing is sent then). */
export function buildProjectPayload(draft: ProjectDraft, now: Date = new Date()): BuildResult {
  const issues: Issue[] = []
  const top = (field: string, key: string): void => {
    issues.push({ lot: null, field, key })
  }
  if (!draft.code.trim()) top('code', 'agent.check.required')
  if (!draft.name.trim()) top('name', 'agent.check.required')
  if (!isValidCreditCode(draft.tendererCreditCode.trim().toUpperCase())) top('tenderer', 'agent.check.creditCode')
  if (draft.lots.length === 0) top('lots', 'agent.check.noLots')
  const codes = draft.lots.map((l) => l.code.trim())
  codes.forEach((code, i) => {
    if (code && codes.indexOf(code) !== i) issues.push({ lot: i, field: 'code', key: 'agent.check.lotDuplicate', params: { code } })
  })
  const lots = draft.lots.map((lot, i) => buildLot(lot, i, now, issues, draft.category))
  if (issues.length > 0) return { ok: false, issues }
  return {
    ok: true,
    payload: {
      code: draft.code.trim(),
      name: draft.name.trim(),
      category: draft.category,
      tenderer_credit_code: draft.tendererCreditCode.trim().toUpperCase(),
      region: draft.region.trim() || null,
      lots: lots.filter((l): l is NewLotPayload => l !== null),
    },
  }
}

/** Fen as a plain yuan string for an input ("1234567.89"), the inverse of `yuanToFen`. */
export function fenToYuanInput(fen: number): string {
  const digits = String(fen).padStart(3, '0')
  return `${digits.slice(0, -2)}.${digits.slice(-2)}`
}

/**
 * A new draft prefilled from an existing project (drafts cannot be edited through the API: a
 * refused schedule is corrected by creating the draft again). The code gets a suffix because
 * project codes are unique; the tenderer's credit code is not in the agent view, so it is asked again.
 */
export function draftFromProject(project: AgentProject, codeSuffix = '-2'): ProjectDraft {
  return {
    code: `${project.code}${codeSuffix}`,
    name: project.name,
    category: project.category,
    tendererCreditCode: project.tenderer_credit_code ?? '',
    region: project.region ?? '',
    lots: project.lots.map((lot) => ({
      code: lot.code,
      name: lot.name,
      estimateYuan: fenToYuanInput(lot.estimated_price_fen),
      depositYuan: fenToYuanInput(lot.deposit_fen),
      deadlineLocal: lot.bid_deadline ? isoToShanghaiLocal(lot.bid_deadline) : '',
      decryptMinutes: lot.decrypt_window_minutes,
      objectionMinutes: lot.objection_window_minutes,
      fields: lot.form_fields.map((f) => ({ ...f })),
      depositForms: [...(lot.deposit_forms ?? DEFAULT_DEPOSIT_FORMS)],
      // The stored flag is kept as it is: "auto" only where it is what the category gives anyway.
      basicAccount: lot.basic_account_required === basicAccountRequired('auto', project.category)
        ? 'auto'
        : lot.basic_account_required ? 'yes' : 'no',
      designSurvey: lot.design_survey ?? false,
      validityDays: lot.bid_validity_days ?? VALIDITY_DEFAULT,
    })),
  }
}

/** Issues of one place, for showing them next to the input. */
export function issuesAt(issues: readonly Issue[], lot: number | null, field: string): Issue[] {
  return issues.filter((i) => i.lot === lot && (i.field === field || i.field.startsWith(`${field}.`)))
}
