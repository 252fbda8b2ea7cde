/**
 * What the console's pages share: who may read it and who may act (the API's guards: reading
 * admin and auditor, changing admin), its tabs, the tag colour of a status, and whether the screen is a phone's.
 */
import { getCurrentInstance, onBeforeUnmount, ref, type Ref } from 'vue'

export const CONSOLE_READERS: readonly string[] = ['admin', 'auditor']
export const CONSOLE_TABS = ['registrations', 'agents', 'trust', 'settings', 'experts'] as const
export type ConsoleTab = (typeof CONSOLE_TABS)[number]

export function canAct(role: string | null | undefined): boolean {
  return role === 'admin'
}

export function tabOf(value: unknown): ConsoleTab {
  return (CONSOLE_TABS as readonly unknown[]).includes(value) ? (value as ConsoleTab) : 'registrations'
}

type TagType = 'primary' | 'success' | 'warning' | 'danger' | 'info'

export function statusTag(status: string): TagType {
  switch (status) {
    case 'approved':
    case 'valid':
    case 'issued':
      return 'success'
    case 'pending':
      return 'warning'
    case 'refused':
    case 'suspended':
    case 'revoked':
      return 'danger'
    default:
      return 'info'
  }
}

/** Whether the screen is phone-sized (≤ 640 px), kept up to date while the component lives. */
export function useNarrow(): Ref<boolean> {
  const query = globalThis.matchMedia?.('(max-width: 640px)')
  const narrow = ref(query?.matches ?? false)
  const onChange = (e: MediaQueryListEvent): void => {
    narrow.value = e.matches
  }
  query?.addEventListener('change', onChange)
  if (getCurrentInstance()) onBeforeUnmount(() => query?.removeEventListener('change', onChange))
  return narrow
}
