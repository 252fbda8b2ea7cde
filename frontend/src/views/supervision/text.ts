/** The supervision pages' shared wording: a duty in the page's language, a kind's and a party's name. */
import { computed } from 'vue'
import { useI18n } from 'vue-i18n'
import type { Locale } from '@/i18n'

export function useSupervisionText() {
  const { t, te, locale } = useI18n()
  const loc = computed(() => locale.value as Locale)
  return {
    loc,
    duty: (x: { duty_zh: string; duty_en: string }): string => (loc.value === 'zh-CN' ? x.duty_zh : x.duty_en) || x.duty_zh,
    kind: (kind: string): string => (te(`supervision.kinds.${kind}`) ? t(`supervision.kinds.${kind}`) : kind),
    party: (p: string): string => (te(`supervision.party.${p}`) ? t(`supervision.party.${p}`) : p),
    summary: (x: { summary_zh: string; summary_en: string }): string => (loc.value === 'zh-CN' ? x.summary_zh : x.summary_en) || x.summary_zh,
  }
}
