/** The expert pool pages: the API calls' requests, who sees what, the filters in the URL, the specialty
 * tree in the pickers, the forms checked as `pool_rules.py` checks them, the server's refusals in the
 * user's language, the import's file checks and template, and the texts in both languages. */
import { afterEach, describe, expect, it } from 'vitest'
import { ApiError } from '@/api/client'
import {
  EXPERT_STATUSES,
  EXPERT_TITLES,
  IMPORT_OUTCOMES,
  XLSX_TYPE,
  declareConflicts,
  getExpert,
  getMyRecord,
  getSpecialtyTree,
  importContentType,
  importExperts,
  issueEnrolmentCode,
  listExperts,
  registerExpert,
  reinstateExpert,
  retireExpert,
  setMyUnavailability,
  setUnavailability,
  suspendExpert,
  updateExpert,
  type ExpertView,
  type NewExpert,
  type SpecialtyItem,
} from '@/api/experts'
import { creditCodeCheckChar } from '@/crypto/subject'
import en from '@/i18n/experts.en'
import zh from '@/i18n/experts.zh-CN'
import {
  EMPTY_FILTERS,
  FIELD_NAMES,
  IMPORT_COLUMNS,
  MAX_SPECIALTIES,
  PAGE_SIZE,
  addSpecialty,
  buildChanges,
  buildConflict,
  buildNewExpert,
  buildPeriods,
  buildRetire,
  buildSuspend,
  cleanFileName,
  cleanSearch,
  dayIssue,
  draftFromExpert,
  emptyDraft,
  fieldLabelKey,
  fieldRefusals,
  filterOptions,
  filtersFromQuery,
  filtersToQuery,
  hasFilters,
  idNumberIssue,
  importFileIssue,
  isExpertId,
  leafGroups,
  listQuery,
  makePrimary,
  normaliseEmail,
  normaliseMobile,
  poolAccess,
  regionFilterIssue,
  regionIssue,
  rowRefusals,
  specialtiesIssue,
  specialtyLabel,
  statusTone,
  templateCsv,
  textIssue,
  yearsIssue,
  type ExpertDraft,
  type Issue,
} from '@/views/experts/experts'
import { leaves, placeholders, type Tree } from './i18n-helpers'
import { recordFetch, restoreApiClient, type Seen } from './fetch-helpers'

afterEach(restoreApiClient)

const header = (s: Seen, name: string): string | undefined => (s.init.headers as Record<string, string>)[name]
const body = (s: Seen): unknown => JSON.parse(String(s.init.body))

/** A credit code with its GB 32100 check character. */
function credit(first17: string): string {
  return first17 + (creditCodeCheckChar(first17) ?? '?')
}
const EMPLOYER = credit('91320100MA1MXXX0Y')
const OTHER = credit('91110000100000000')

const TREE: SpecialtyItem[] = [
  { code: 'A', name_zh: '工程', name_en: 'Works', level: 1, parent: null, leaf: false },
  { code: 'A01', name_zh: '建筑工程', name_en: 'Building works', level: 2, parent: 'A', leaf: false },
  { code: 'A0101', name_zh: '房屋建筑工程', name_en: 'Building construction', level: 3, parent: 'A01', leaf: true },
  { code: 'A0102', name_zh: '装饰装修工程', name_en: 'Decoration and fit-out', level: 3, parent: 'A01', leaf: true },
  { code: 'B', name_zh: '货物', name_en: 'Goods', level: 1, parent: null, leaf: false },
  { code: 'B01', name_zh: '信息技术设备', name_en: 'IT equipment', level: 2, parent: 'B', leaf: false },
  { code: 'B0101', name_zh: '计算机', name_en: 'Computers', level: 3, parent: 'B01', leaf: true },
  { code: 'B0102', name_zh: '网络设备', name_en: 'Network equipment', level: 3, parent: 'B01', leaf: true },
  { code: 'B0103', name_zh: '存储设备', name_en: 'Storage', level: 3, parent: 'B01', leaf: true },
  { code: 'B0104', name_zh: '安全设备', name_en: 'Security equipment', level: 3, parent: 'B01', leaf: true },
]

function good(): ExpertDraft {
  return {
    registryNo: ' js-2026-0001 ',
    name: ' 王建国 ',
    idNumber: '11010519491231002x',
    mobile: '+86 139-1234-5678',
    email: 'Wang.JG@Example.COM',
    employerCreditCode: EMPLOYER.toLowerCase(),
    employerName: '南京市建筑设计研究院有限公司',
    title: 'deputy_senior',
    titleName: '高级工程师',
    years: '12',
    regionCode: '320102',
    specialties: ['A0101', 'b0101'],
  }
}

const keys = (issues: Issue[]): string[] => issues.map((i) => `${i.field}:${i.key}`)
function refused<T>(built: { ok: true; payload: T } | { ok: false; issues: Issue[] }): string[] {
  expect(built.ok).toBe(false)
  return built.ok ? [] : keys(built.issues)
}

describe('expert pool API calls', () => {
  it('lists the pool with only the filters given, and pages by registry number', async () => {
    const seen = recordFetch(() => new Response('[]'))
    await listExperts({ q: '王', specialty: 'A01', status: 'suspended', region: '32', after: 'JS-0050', limit: 50 })
    await listExperts({ q: '', specialty: null })
    expect(seen.map((s) => s.url)).toEqual([
      '/api/experts?q=%E7%8E%8B&specialty=A01&status=suspended&region=32&after=JS-0050&limit=50',
      '/api/experts',
    ])
    expect(seen[0]?.init.method).toBe('GET')
  })

  it('reads one expert, the tree and the expert’s own record', async () => {
    const seen = recordFetch(() => new Response('{}'))
    await getExpert('7f1c0b8e-0000-4000-8000-000000000001')
    await getSpecialtyTree()
    await getMyRecord()
    expect(seen.map((s) => s.url)).toEqual([
      '/api/experts/7f1c0b8e-0000-4000-8000-000000000001',
      '/api/expert-specialties',
      '/api/expert/me',
    ])
  })

  it('writes with the methods, paths and bodies the server takes', async () => {
    const seen = recordFetch(() => new Response('{}'))
    const id = 'e1'
    const built = buildNewExpert(good(), TREE)
    expect(built.ok).toBe(true)
    if (!built.ok) return
    await registerExpert(built.payload)
    const { registry_no: _number, ...changes } = built.payload
    await updateExpert(id, changes)
    await suspendExpert(id, { reason: '无故缺席评标', until: '2026-12-31' })
    await reinstateExpert(id)
    await retireExpert(id, '本人申请退出')
    await declareConflicts(id, [{ credit_code: OTHER, reason: '原工作单位' }])
    await setUnavailability(id, [{ starts_on: '2026-05-01', ends_on: '2026-05-05' }])
    await issueEnrolmentCode(id)
    await issueEnrolmentCode(id, 'org-1')
    await setMyUnavailability([])
    expect(seen.map((s) => `${s.init.method} ${s.url}`)).toEqual([
      'POST /api/experts',
      'PUT /api/experts/e1',
      'POST /api/experts/e1/suspend',
      'POST /api/experts/e1/reinstate',
      'POST /api/experts/e1/retire',
      'POST /api/experts/e1/conflicts',
      'PUT /api/experts/e1/unavailability',
      'POST /api/experts/e1/enrolment-codes',
      'POST /api/experts/e1/enrolment-codes',
      'PUT /api/expert/me/unavailability',
    ])
    expect(body(seen[0]!)).toMatchObject({ registry_no: 'JS-2026-0001', mobile: '13912345678' })
    expect(body(seen[1]!)).not.toHaveProperty('registry_no')
    expect(body(seen[2]!)).toEqual({ reason: '无故缺席评标', until: '2026-12-31' })
    expect(seen[3]?.init.body).toBeUndefined()
    expect(body(seen[4]!)).toEqual({ reason: '本人申请退出' })
    expect(body(seen[5]!)).toEqual({ conflicts: [{ credit_code: OTHER, reason: '原工作单位' }] })
    expect(body(seen[6]!)).toEqual({ periods: [{ starts_on: '2026-05-01', ends_on: '2026-05-05' }] })
    expect(body(seen[7]!)).toEqual({})
    expect(body(seen[8]!)).toEqual({ organization_id: 'org-1' })
    expect(body(seen[9]!)).toEqual({ periods: [] })
    expect(header(seen[2]!, 'Content-Type')).toBe('application/json')
  })

  it('sends an import raw with its media type, format and name', async () => {
    const seen = recordFetch(() => new Response('{}'))
    await importExperts(new Blob(['专家编号\n']), 'pool.csv')
    await importExperts(new Blob(['PK']), '专家.XLSX')
    await importExperts(new Blob(['?']), 'pool.txt')
    expect(seen.map((s) => s.url)).toEqual([
      '/api/experts/import?format=csv&filename=pool.csv',
      `/api/experts/import?format=xlsx&filename=${encodeURIComponent('专家.XLSX')}`,
      '/api/experts/import?filename=pool.txt',
    ])
    expect(seen.map((s) => header(s, 'Content-Type'))).toEqual(['text/csv', XLSX_TYPE, 'application/octet-stream'])
    expect(seen[0]?.init.body).toBeInstanceOf(Blob)
    expect(importContentType('a.Csv')).toBe('text/csv')
  })

  it('turns a refusal into ApiError with its code and both languages', async () => {
    recordFetch(
      () =>
        new Response(
          JSON.stringify({
            error: { code: 'expert_exists', message: 'x', message_zh: '专家已在库中', message_en: 'The expert is already in the pool' },
          }),
          { status: 409 },
        ),
    )
    const error = await registerExpert({} as NewExpert).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).code).toBe('expert_exists')
    expect((error as ApiError).messageFor('zh-CN')).toBe('专家已在库中')
    expect((error as ApiError).messageFor('en')).toBe('The expert is already in the pool')
  })
})

describe('who sees the pool', () => {
  it('lets the administrator write, the supervisor read, and nobody else in', () => {
    expect(poolAccess('admin')).toEqual({ read: true, write: true })
    expect(poolAccess('supervisor')).toEqual({ read: true, write: false })
    for (const role of ['agent', 'tenderer', 'bidder', 'finance', 'auditor', 'expert', '', null, undefined]) {
      expect(poolAccess(role), String(role)).toEqual({ read: false, write: false })
    }
  })

  it('takes only UUIDs as an expert in the URL', () => {
    expect(isExpertId('7f1c0b8e-0000-4000-8000-000000000001')).toBe(true)
    expect(isExpertId('new')).toBe(false)
    expect(isExpertId('7f1c0b8e')).toBe(false)
  })
})

describe('the list’s search in the URL', () => {
  it('reads the filters, dropping what the API would refuse', () => {
    expect(filtersFromQuery({ q: ' 王 ', specialty: 'a01', status: 'suspended', region: '3201' })).toEqual({
      q: '王',
      specialty: 'A01',
      status: 'suspended',
      region: '3201',
    })
    expect(filtersFromQuery({ specialty: 'A-1', status: 'sleeping', region: '3' })).toEqual(EMPTY_FILTERS)
    expect(filtersFromQuery({ q: ['x', 'y'] }).q).toBe('x')
  })

  it('writes only what is set and round-trips', () => {
    const f = { q: '李', specialty: 'B0101', status: 'active' as const, region: '32' }
    expect(filtersToQuery(f)).toEqual({ q: '李', specialty: 'B0101', status: 'active', region: '32' })
    expect(filtersFromQuery(filtersToQuery(f) as never)).toEqual(f)
    expect(filtersToQuery(EMPTY_FILTERS)).toEqual({})
    expect(hasFilters(EMPTY_FILTERS)).toBe(false)
    expect(hasFilters(f)).toBe(true)
  })

  it('asks the API for a page after the last registry number', () => {
    expect(listQuery({ ...EMPTY_FILTERS, region: '32' }, 'JS-9')).toEqual({
      q: null,
      specialty: null,
      status: null,
      region: '32',
      after: 'JS-9',
      limit: PAGE_SIZE,
    })
  })

  it('checks the region prefix and cleans the search text', () => {
    expect(regionFilterIssue('')).toBeNull()
    expect(regionFilterIssue('32')).toBeNull()
    expect(regionFilterIssue('320102')).toBeNull()
    expect(regionFilterIssue('3')).toBe('experts.check.regionFilter')
    expect(regionFilterIssue('江苏')).toBe('experts.check.regionFilter')
    expect(cleanSearch(' a\u202eb\n ')).toBe('a b')
    expect(cleanSearch('x'.repeat(120))).toHaveLength(100)
  })
})

describe('the specialty tree in the pickers', () => {
  it('groups the leaves under their specialty, named in the language shown', () => {
    expect(leafGroups(TREE, 'zh-CN')).toEqual([
      {
        code: 'A01',
        label: '工程 · A01 建筑工程',
        leaves: [
          { code: 'A0101', label: 'A0101 房屋建筑工程' },
          { code: 'A0102', label: 'A0102 装饰装修工程' },
        ],
      },
      {
        code: 'B01',
        label: '货物 · B01 信息技术设备',
        leaves: [
          { code: 'B0101', label: 'B0101 计算机' },
          { code: 'B0102', label: 'B0102 网络设备' },
          { code: 'B0103', label: 'B0103 存储设备' },
          { code: 'B0104', label: 'B0104 安全设备' },
        ],
      },
    ])
    expect(leafGroups(TREE, 'en')[0]?.leaves[0]?.label).toBe('A0101 Building construction')
  })

  it('offers every node to the filter, indented by level', () => {
    const options = filterOptions(TREE, 'en')
    expect(options.map((o) => o.code)).toEqual(TREE.map((n) => n.code).sort())
    expect(options[0]?.label).toBe('A Works')
    expect(options[2]?.label).toBe('\u3000\u3000A0101 Building construction')
    expect(specialtyLabel('A0102', TREE, 'zh-CN')).toBe('A0102 装饰装修工程')
    expect(specialtyLabel('Z9', TREE, 'zh-CN')).toBe('Z9')
  })

  it('adds without repeats up to five and moves one to the front as primary', () => {
    let chosen: string[] = []
    for (const c of ['a0101', 'A0101', 'B0101', 'B0102', 'B0103', 'B0104', 'A0102']) chosen = addSpecialty(chosen, c)
    expect(chosen).toEqual(['A0101', 'B0101', 'B0102', 'B0103', 'B0104'])
    expect(chosen).toHaveLength(MAX_SPECIALTIES)
    expect(makePrimary(chosen, 'B0103')).toEqual(['B0103', 'A0101', 'B0101', 'B0102', 'B0104'])
    expect(makePrimary(chosen, 'C0101')).toEqual(chosen)
  })
})

describe('an expert’s particulars, checked as pool_rules.py checks them', () => {
  it('builds the body the server takes, normalised', () => {
    expect(buildNewExpert(good(), TREE)).toEqual({
      ok: true,
      payload: {
        registry_no: 'JS-2026-0001',
        name: '王建国',
        mobile: '13912345678',
        employer_credit_code: EMPLOYER,
        employer_name: '南京市建筑设计研究院有限公司',
        title: 'deputy_senior',
        years_experience: 12,
        region_code: '320102',
        specialties: ['A0101', 'B0101'],
        email: 'Wang.JG@example.com',
        title_name: '高级工程师',
        id_number: '11010519491231002X',
      },
    })
  })

  it('leaves the optional ones out or null, and an update has no registry number', () => {
    const built = buildChanges({ ...good(), idNumber: ' ', email: '', titleName: '' }, TREE)
    expect(built.ok).toBe(true)
    if (!built.ok) return
    expect(built.payload).not.toHaveProperty('id_number')
    expect(built.payload).not.toHaveProperty('registry_no')
    expect(built.payload.email).toBeNull()
    expect(built.payload.title_name).toBeNull()
  })

  it('refuses every bad particular at once, each under its field', () => {
    const issues = refused(
      buildNewExpert(
        {
          registryNo: '-x',
          name: ' ',
          idNumber: '11010519491231002',
          mobile: '12345678901',
          email: 'not-an-address',
          employerCreditCode: EMPLOYER.slice(0, 17) + (EMPLOYER.endsWith('0') ? '1' : '0'),
          employerName: '',
          title: '',
          titleName: 'a\u202eb',
          years: '5',
          regionCode: '990000',
          specialties: [],
        },
        TREE,
      ),
    )
    expect(issues).toEqual([
      'registry_no:experts.check.registryNo',
      'name:experts.check.required',
      'mobile:experts.check.mobile',
      'email:experts.check.email',
      'employer_credit_code:experts.check.creditCode',
      'employer_name:experts.check.required',
      'title:experts.check.title',
      'title_name:experts.check.oneLine',
      'years_experience:experts.check.yearsFew',
      'region_code:experts.check.region',
      'specialties:experts.check.specialtiesMissing',
      'id_number:experts.check.idNumber',
    ])
  })

  it('wants eight years or more (规定 11), a whole number, at most seventy', () => {
    expect(yearsIssue('8')).toBeNull()
    expect(yearsIssue('7')).toBe('experts.check.yearsFew')
    expect(yearsIssue('70')).toBeNull()
    expect(yearsIssue('71')).toBe('experts.check.yearsMany')
    expect(yearsIssue('')).toBe('experts.check.yearsMissing')
    expect(yearsIssue('8.5')).toBe('experts.check.yearsNumber')
    expect(yearsIssue('十')).toBe('experts.check.yearsNumber')
    const issue = buildChanges({ ...good(), years: '7' }, TREE)
    expect(issue.ok ? null : issue.issues[0]).toEqual({
      field: 'years_experience',
      key: 'experts.check.yearsFew',
      params: { min: 8, max: 70 },
    })
  })

  it('takes a mainland mobile as typed and keeps its eleven digits', () => {
    expect(normaliseMobile('+86 139-1234-5678')).toBe('13912345678')
    expect(normaliseMobile('0086 13912345678')).toBe('13912345678')
    expect(normaliseMobile('12912345678')).toBeNull()
    expect(normaliseMobile('1391234567')).toBeNull()
  })

  it('takes an e-mail address or none, its domain lower-cased', () => {
    expect(normaliseEmail('')).toBe('')
    expect(normaliseEmail(' A.b+c@Mail.Example.CN ')).toBe('A.b+c@mail.example.cn')
    expect(normaliseEmail('a@b')).toBeNull()
    expect(normaliseEmail('a b@c.cn')).toBeNull()
  })

  it('checks GB/T 2260 region codes as the server does', () => {
    expect(regionIssue('320102')).toBeNull()
    expect(regionIssue('320100')).toBeNull()
    expect(regionIssue('320000')).toBeNull()
    expect(regionIssue('320012')).toBe('experts.check.regionCity')
    expect(regionIssue('990102')).toBe('experts.check.region')
    expect(regionIssue('32010')).toBe('experts.check.region')
  })

  it('checks the identity card number’s MOD 11-2 character (GB 11643)', () => {
    expect(idNumberIssue('11010519491231002X')).toBeNull()
    expect(idNumberIssue('11010519491231002x')).toBeNull()
    expect(idNumberIssue('11010519491231003X')).toBe('experts.check.idNumberCheck')
    expect(idNumberIssue('1101051949123100')).toBe('experts.check.idNumber')
  })

  it('wants one to five distinct sub-specialties of the tree', () => {
    expect(specialtiesIssue(['A0101'], TREE)).toBeNull()
    expect(specialtiesIssue([], TREE)).toBe('experts.check.specialtiesMissing')
    expect(specialtiesIssue(['A0101', 'A0101'], TREE)).toBe('experts.check.specialtiesTwice')
    expect(specialtiesIssue(['A01'], TREE)).toBe('experts.check.specialtyGroup')
    expect(specialtiesIssue(['A9999'], TREE)).toBe('experts.check.specialtyUnknown')
    expect(specialtiesIssue(['A0101', 'A0102', 'B0101', 'B0102', 'B0103', 'B0104'], TREE)).toBe('experts.check.specialtiesMany')
    // Before the tree is loaded, the server checks the codes.
    expect(specialtiesIssue(['A9999'], null)).toBeNull()
  })

  it('checks one-line texts for length and control characters', () => {
    expect(textIssue(' ', 10, true)).toBe('experts.check.required')
    expect(textIssue(' ', 10, false)).toBeNull()
    expect(textIssue('x'.repeat(11), 10, true)).toBe('experts.check.tooLong')
    expect(textIssue('a\tb', 10, true)).toBe('experts.check.oneLine')
  })

  it('fills the edit form from a record, never with the identity card number', () => {
    const expert = {
      registry_no: 'JS-1',
      name: '王',
      mobile: '13912345678',
      email: null,
      employer_credit_code: EMPLOYER,
      employer_name: '单位',
      title: 'full_senior',
      title_name: null,
      years_experience: 20,
      region_code: '320102',
      id_number_last4: '002X',
      specialties: [
        { code: 'B0101', name_zh: '', name_en: '', primary: true },
        { code: 'A0101', name_zh: '', name_en: '', primary: false },
      ],
    } as unknown as ExpertView
    expect(draftFromExpert(expert)).toEqual({
      ...emptyDraft(),
      registryNo: 'JS-1',
      name: '王',
      mobile: '13912345678',
      employerCreditCode: EMPLOYER,
      employerName: '单位',
      title: 'full_senior',
      years: '20',
      regionCode: '320102',
      specialties: ['B0101', 'A0101'],
    })
    expect(buildChanges(draftFromExpert(expert), TREE).ok).toBe(true)
  })
})

describe('suspensions, retirement, conflicts and unavailable days', () => {
  const today = '2026-03-10'

  it('suspends with a reason and a last day, both mandatory, not before today', () => {
    expect(buildSuspend({ reason: ' 无故缺席 ', until: '2026-03-10' }, today)).toEqual({
      ok: true,
      payload: { reason: '无故缺席', until: '2026-03-10' },
    })
    expect(refused(buildSuspend({ reason: '', until: '' }, today))).toEqual([
      'reason:experts.check.reasonMissing',
      'until:experts.check.untilMissing',
    ])
    expect(refused(buildSuspend({ reason: 'x', until: '2026-03-09' }, today))).toEqual(['until:experts.check.untilPast'])
    expect(refused(buildSuspend({ reason: 'x', until: '2100-01-01' }, today))).toEqual(['until:experts.check.dayRange'])
    expect(refused(buildSuspend({ reason: 'x\ny', until: '2026-13-01' }, today))).toEqual([
      'reason:experts.check.oneLine',
      'until:experts.check.day',
    ])
  })

  it('retires only with a reason', () => {
    expect(buildRetire(' 本人申请 ')).toEqual({ ok: true, payload: { reason: '本人申请' } })
    expect(refused(buildRetire(''))).toEqual(['reason:experts.check.reasonMissing'])
    expect(refused(buildRetire('x'.repeat(501)))).toEqual(['reason:experts.check.tooLong'])
  })

  it('declares a conflict by a valid credit code and a reason, dated not after today', () => {
    expect(buildConflict({ creditCode: ` ${OTHER.toLowerCase()} `, organisationName: '', reason: '原单位', declaredOn: '' }, today)).toEqual({
      ok: true,
      payload: { credit_code: OTHER, reason: '原单位' },
    })
    expect(buildConflict({ creditCode: OTHER, organisationName: '某公司', reason: '亲属任职', declaredOn: today }, today)).toEqual({
      ok: true,
      payload: { credit_code: OTHER, reason: '亲属任职', organisation_name: '某公司', declared_on: today },
    })
    expect(refused(buildConflict({ creditCode: '123', organisationName: '', reason: ' ', declaredOn: '2026-03-11' }, today))).toEqual([
      'credit_code:experts.check.creditCode',
      'reason:experts.check.reasonMissing',
      'declared_on:experts.check.declaredFuture',
    ])
  })

  it('sends unavailable periods in order, leaving blank rows out, each row checked', () => {
    expect(
      buildPeriods([
        { startsOn: '2026-06-01', endsOn: '2026-06-03', reason: ' 出差 ' },
        { startsOn: '', endsOn: '', reason: '' },
        { startsOn: '2026-05-01', endsOn: '2026-05-01', reason: '' },
      ]),
    ).toEqual({
      ok: true,
      payload: [
        { starts_on: '2026-05-01', ends_on: '2026-05-01' },
        { starts_on: '2026-06-01', ends_on: '2026-06-03', reason: '出差' },
      ],
    })
    expect(buildPeriods([])).toEqual({ ok: true, payload: [] })
    expect(
      refused(
        buildPeriods([
          { startsOn: '2026-06-03', endsOn: '2026-06-01', reason: '' },
          { startsOn: '', endsOn: '2026-06-01', reason: 'x'.repeat(201) },
          { startsOn: '1999-12-31', endsOn: '2026-02-30', reason: '' },
        ]),
      ),
    ).toEqual([
      'periods[0].ends_on:experts.check.periodOrder',
      'periods[1].starts_on:experts.check.dayMissing',
      'periods[1].reason:experts.check.tooLong',
      'periods[2].starts_on:experts.check.dayRange',
      'periods[2].ends_on:experts.check.day',
    ])
    const many = Array.from({ length: 101 }, () => ({ startsOn: '2026-01-01', endsOn: '2026-01-01', reason: '' }))
    expect(refused(buildPeriods(many))).toEqual(['periods:experts.check.periodsMany'])
  })

  it('takes days between 2000 and 2099 as the server does', () => {
    expect(dayIssue('2000-01-01')).toBeNull()
    expect(dayIssue('2099-12-31')).toBeNull()
    expect(dayIssue('0026-01-01')).toBe('experts.check.dayRange')
    expect(dayIssue('2026-1-1')).toBe('experts.check.day')
  })
})

describe('the server’s refusals in the user’s language', () => {
  it('lists expert_invalid’s fields', () => {
    const error = new ApiError('http', {
      status: 400,
      payload: {
        code: 'expert_invalid',
        message: 'x',
        details: [
          { field: 'years_experience', message_zh: '从业 5 年', message_en: '5 years' },
          { field: 'conflicts[0].credit_code', message_zh: '代码无效', message_en: 'bad code' },
          'noise',
        ],
      },
    })
    expect(fieldRefusals(error, 'zh-CN')).toEqual([
      { field: 'years_experience', message: '从业 5 年' },
      { field: 'conflicts[0].credit_code', message: '代码无效' },
    ])
    expect(fieldRefusals(error, 'en').map((r) => r.message)).toEqual(['5 years', 'bad code'])
    expect(fieldRefusals(new Error('x'), 'en')).toEqual([])
    expect(fieldLabelKey('conflicts[0].credit_code')).toBe('experts.field.credit_code')
    expect(fieldLabelKey('row')).toBeNull()
  })

  it('lists pool_import_refused’s rows with their numbers, fields and registry numbers', () => {
    const error = new ApiError('http', {
      status: 400,
      payload: {
        code: 'pool_import_refused',
        message: 'x',
        details: [
          { row: 3, field: 'years_experience', message_zh: '从业 5 年', message_en: '5 years', registry_no: 'JS-2' },
          { row: 0, field: 'file', message_zh: '文件为空', message_en: 'the file is empty' },
        ],
      },
    })
    expect(rowRefusals(error, 'zh-CN')).toEqual([
      { row: 3, field: 'years_experience', registryNo: 'JS-2', message: '从业 5 年' },
      { row: 0, field: 'file', registryNo: null, message: '文件为空' },
    ])
    expect(rowRefusals(error, 'en')[0]?.message).toBe('5 years')
    const other = new ApiError('http', { status: 400, payload: { code: 'expert_invalid', message: 'x', details: [{ row: 1 }] } })
    expect(rowRefusals(other, 'en')).toEqual([])
  })
})

describe('the import file', () => {
  it('takes .csv and .xlsx files of up to 5 MB', () => {
    const max = 5 * 1024 * 1024
    expect(importFileIssue(null, max)).toBe('experts.check.file')
    expect(importFileIssue({ name: 'a.csv', size: 10 }, max)).toBeNull()
    expect(importFileIssue({ name: 'A.XLSX', size: max }, max)).toBeNull()
    expect(importFileIssue({ name: 'a.xls', size: 10 }, max)).toBe('experts.check.fileType')
    expect(importFileIssue({ name: 'a.csv', size: 0 }, max)).toBe('experts.check.fileEmpty')
    expect(importFileIssue({ name: 'a.csv', size: max + 1 }, max)).toBe('experts.check.fileLarge')
  })

  it('sends a name the server takes', () => {
    expect(cleanFileName('专家\u202e名单.csv')).toBe('专家名单.csv')
    expect(cleanFileName('x'.repeat(300))).toHaveLength(200)
  })

  it('gives a template with the columns in the chosen language, readable by Excel', () => {
    expect(templateCsv('zh-CN')).toBe(
      '\ufeff专家编号,姓名,身份证号码,手机号码,电子邮箱,工作单位统一社会信用代码,工作单位,职称级别,职称名称,从业年限,地区代码,评标专业\r\n',
    )
    expect(templateCsv('en').startsWith('\ufeffregistry_no,name,id_number,')).toBe(true)
    expect(IMPORT_COLUMNS.filter((c) => !c.required).map((c) => c.field)).toEqual(['id_number', 'email', 'title_name'])
  })
})

describe('expert pool texts', () => {
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
    for (const [key, message] of [...zhLeaves, ...enLeaves]) expect(/[@$|]/.test(message), key).toBe(false)
  })

  it('name every status, title level, outcome, field and check the pages use', () => {
    for (const messages of [zh.experts, en.experts]) {
      for (const s of EXPERT_STATUSES) expect(messages.status[s], s).toBeTruthy()
      for (const level of EXPERT_TITLES) expect(messages.titles[level], level).toBeTruthy()
      for (const o of IMPORT_OUTCOMES) expect(messages.import.outcome[o], o).toBeTruthy()
      for (const f of FIELD_NAMES) expect(messages.field[f], f).toBeTruthy()
    }
    // Every key the checks return exists.
    const returned = [
      ...refused(buildNewExpert({ ...emptyDraft(), registryNo: '-', idNumber: '1', titleName: '\u0007' }, TREE)),
      ...refused(buildSuspend({ reason: '', until: '2000-01-01' }, '2026-01-01')),
      ...refused(buildPeriods([{ startsOn: '', endsOn: 'x', reason: '' }])),
    ].map((k) => k.split(':')[1] ?? '')
    const all = [
      ...returned,
      'experts.check.tooLong',
      'experts.check.yearsNumber',
      'experts.check.yearsMany',
      'experts.check.regionCity',
      'experts.check.regionFilter',
      'experts.check.idNumberCheck',
      'experts.check.specialtiesMany',
      'experts.check.specialtiesTwice',
      'experts.check.specialtyUnknown',
      'experts.check.specialtyGroup',
      'experts.check.untilMissing',
      'experts.check.dayRange',
      'experts.check.declaredFuture',
      'experts.check.periodOrder',
      'experts.check.periodsMany',
      'experts.check.file',
      'experts.check.fileType',
      'experts.check.fileEmpty',
      'experts.check.fileLarge',
    ]
    for (const key of all) {
      expect(zhLeaves.has(key), key).toBe(true)
      expect(enLeaves.has(key), key).toBe(true)
    }
  })

  it('tone the statuses', () => {
    expect(statusTone('active')).toBe('ok')
    expect(statusTone('suspended')).toBe('warn')
    expect(statusTone('retired')).toBe('neutral')
  })
})
