import type { RouteRecordRaw } from 'vue-router'

/**
 * The expert pool (merged into the app's router in `router/index.ts`): the administrator's and the
 * supervisor's `/experts` pages, and `/expert` for a logged-in evaluation expert.
 */
export const expertRoutes: RouteRecordRaw[] = [
  {
    path: '/experts',
    name: 'experts',
    component: () => import('@/views/experts/PoolView.vue'),
    meta: { titleKey: 'experts.title' },
  },
  {
    path: '/experts/new',
    name: 'experts-new',
    component: () => import('@/views/experts/ExpertNewView.vue'),
    meta: { titleKey: 'experts.newTitle' },
  },
  {
    path: '/experts/import',
    name: 'experts-import',
    component: () => import('@/views/experts/ImportView.vue'),
    meta: { titleKey: 'experts.importTitle' },
  },
  {
    path: '/experts/:id',
    name: 'expert-detail',
    component: () => import('@/views/experts/ExpertDetailView.vue'),
    props: true,
    meta: { titleKey: 'experts.detailTitle' },
  },
  {
    path: '/expert',
    name: 'expert-me',
    component: () => import('@/views/experts/MyExpertView.vue'),
    meta: { titleKey: 'experts.meTitle' },
  },
]
