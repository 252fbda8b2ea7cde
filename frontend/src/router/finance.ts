import type { RouteRecordRaw } from 'vue-router'

/** The finance officer's deposit page (merged into the app's router in `router/index.ts`); `?tab=` picks its section. */
export const financeRoutes: RouteRecordRaw[] = [
  {
    path: '/finance',
    name: 'finance',
    component: () => import('@/views/finance/FinanceView.vue'),
    meta: { titleKey: 'finance.title' },
  },
]
