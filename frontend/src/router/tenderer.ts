import type { RouteRecordRaw } from 'vue-router'

/**
 * The tenderer's pages (招标人, issue 25): its projects registered (项目登记), the agent appointed,
 * the tender documents approved before publication, each project's progress. Built on Element Plus
 * (`components/ElementScope.vue`); docs/frontend-tenderer.md.
 * Merged into the app's router in `router/index.ts`.
 */
export const tendererRoutes: RouteRecordRaw[] = [
  {
    path: '/tenderer/projects',
    name: 'tenderer-projects',
    component: () => import('@/views/tenderer/TendererProjectsView.vue'),
    meta: { titleKey: 'tenderer.title' },
  },
  {
    path: '/tenderer/projects/:id',
    name: 'tenderer-project',
    component: () => import('@/views/tenderer/TendererProjectView.vue'),
    props: true,
    meta: { titleKey: 'tenderer.title' },
  },
]
