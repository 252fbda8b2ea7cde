import { createI18n } from 'vue-i18n'
import zhCN, { type MessageSchema as BaseSchema } from './zh-CN'
import en from './en'
import roomZh, { type RoomMessages } from './room.zh-CN'
import roomEn from './room.en'
import criteriaZh, { type CriteriaMessages } from './criteria.zh-CN'
import criteriaEn from './criteria.en'
import workspaceZh, { type WorkspaceMessages } from './workspace.zh-CN'
import workspaceEn from './workspace.en'
import agentZh, { type AgentMessages } from './agent.zh-CN'
import agentEn from './agent.en'
import auditZh, { type AuditMessages } from './audit.zh-CN'
import auditEn from './audit.en'
import depositsZh, { type DepositMessages } from './deposits.zh-CN'
import depositsEn from './deposits.en'
import financeZh, { type FinanceMessages } from './finance.zh-CN'
import financeEn from './finance.en'
import expertsZh, { type ExpertMessages } from './experts.zh-CN'
import expertsEn from './experts.en'
import drawsZh, { type DrawMessages } from './draws.zh-CN'
import drawsEn from './draws.en'
import clarificationsZh, { type ClarificationMessages } from './clarifications.zh-CN'
import clarificationsEn from './clarifications.en'
import evaluationZh, { type EvaluationMessages } from './evaluation.zh-CN'
import evaluationEn from './evaluation.en'
import awardsZh, { type AwardMessages } from './awards.zh-CN'
import awardsEn from './awards.en'
import transparencyZh, { type TransparencyMessages } from './transparency.zh-CN'
import transparencyEn from './transparency.en'
import supervisionZh, { type SupervisionMessages } from './supervision.zh-CN'
import supervisionEn from './supervision.en'
import adminZh, { type AdminMessages } from './admin.zh-CN'
import adminEn from './admin.en'
import tendererZh, { type TendererMessages } from './tenderer.zh-CN'
import tendererEn from './tenderer.en'
import statisticsZh, { type StatisticsMessages } from './statistics.zh-CN'
import statisticsEn from './statistics.en'
import { DEFAULT_LOCALE, type Locale, loadStoredLocale, storeLocale } from './locales'

export { SUPPORTED_LOCALES, DEFAULT_LOCALE, isLocale, type Locale } from './locales'
/**
 * The app's messages plus one file pair per area: the opening room (`room.*.ts`), the bidder
 * workspace (`workspace.*.ts`) and its deposit card (`deposits.*.ts`), the agent's project console
 * (`agent.*.ts`), supervision and audit (`audit.*.ts`), the finance officer's page (`finance.*.ts`),
 * the bidder's clarifications (`clarifications.*.ts`), the expert pool (`experts.*.ts`), the expert draw (`draws.*.ts`), the evaluation (`evaluation.*.ts`), the award (`awards.*.ts`), the transparency log (`transparency.*.ts`), supervision's dashboard and orders (`supervision.*.ts`), the administrator's console (`admin.*.ts`), the tenderer's pages (`tenderer.*.ts`), statistics (`statistics.*.ts`).
 */
export type MessageSchema = BaseSchema &
  ClarificationMessages &
  RoomMessages &
  CriteriaMessages &
  WorkspaceMessages &
  DepositMessages &
  AgentMessages &
  AuditMessages &
  FinanceMessages &
  ExpertMessages &
  DrawMessages &
  EvaluationMessages &
  AwardMessages &
  TransparencyMessages &
  SupervisionMessages &
  AdminMessages &
  TendererMessages &
  StatisticsMessages

declare module 'vue-i18n' {
  // Typed message keys for `t()` across the app.
  export interface DefineLocaleMessage extends MessageSchema {}
}

export const messages: Record<Locale, MessageSchema> = {
  'zh-CN': { ...zhCN, ...clarificationsZh, ...criteriaZh, ...roomZh, ...workspaceZh, ...depositsZh, ...agentZh, ...auditZh, ...financeZh, ...expertsZh, ...drawsZh, ...evaluationZh, ...awardsZh, ...transparencyZh, ...supervisionZh, ...adminZh, ...tendererZh, ...statisticsZh },
  en: { ...en, ...clarificationsEn, ...criteriaEn, ...roomEn, ...workspaceEn, ...depositsEn, ...agentEn, ...auditEn, ...financeEn, ...expertsEn, ...drawsEn, ...evaluationEn, ...awardsEn, ...transparencyEn, ...supervisionEn, ...adminEn, ...tendererEn, ...statisticsEn },
}

export const i18n = createI18n<[MessageSchema], Locale, false>({
  legacy: false,
  locale: loadStoredLocale(),
  fallbackLocale: DEFAULT_LOCALE,
  messages,
})

/** The locale currently shown. */
export function currentLocale(): Locale {
  return i18n.global.locale.value
}

/** Switch the UI language, remember it, and update `<html lang>`. */
export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  storeLocale(locale)
  syncDocumentLang(locale)
}

export function syncDocumentLang(locale: Locale = currentLocale()): void {
  if (typeof document !== 'undefined') document.documentElement.lang = locale
}
