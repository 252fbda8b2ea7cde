import type { RouteRecordRaw } from 'vue-router'

/**
 * Statistics (统计, issue 25): the public figures a centre publishes in its yearly report and the
 * centre's internal charts with filters and CSV downloads. Built on Element Plus
 * (`components/ElementScope.vue`) and ECharts (`components/StatChart.vue`).
 * Merged into the app's router in `router/index.ts`.
 */
export const statisticsRoutes: RouteRecordRaw[] = [
  {
    path: '/statistics',
    name: 'statistics',
    component: () => import('@/views/statistics/PublicStatisticsView.vue'),
    meta: { titleKey: 'statistics.title' },
  },
  {
    path: '/statistics/centre',
    name: 'statistics-centre',
    component: () => import('@/views/statistics/CentreStatisticsView.vue'),
    meta: { titleKey: 'statistics.centreTitle' },
  },
]
