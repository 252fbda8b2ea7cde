import type { RouteRecordRaw } from 'vue-router'

/**
 * Supervision (监督, issue 24; merged into the app's router in `router/index.ts`): the supervisor's
 * and the auditor's dashboard (live alerts, running clocks, orders, complaints, collusion, charts),
 * a lot's collusion report, and the orders page of the organisation an order was sent to.
 * `/supervision/expert-draws` and `/supervision/evaluations` are the draw's and the evaluation's.
 */
export const supervisionRoutes: RouteRecordRaw[] = [
  {
    path: '/supervision',
    name: 'supervision',
    component: () => import('@/views/supervision/SupervisionDashboardView.vue'),
    meta: { titleKey: 'supervision.dashboardTitle' },
  },
  {
    path: '/supervision/orders',
    name: 'supervision-orders',
    component: () => import('@/views/supervision/SupervisionOrdersView.vue'),
    meta: { titleKey: 'supervision.ordersTitle' },
  },
  {
    path: '/supervision/lots/:lotId/collusion',
    name: 'supervision-collusion',
    component: () => import('@/views/supervision/LotCollusionView.vue'),
    props: true,
    meta: { titleKey: 'supervision.collusionTitle' },
  },
]
