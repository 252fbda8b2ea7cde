import type { RouteRecordRaw } from 'vue-router'

/** Routes of the workspace pages (merged into the app's router in `router/index.ts`). */
export const workspaceRoutes: RouteRecordRaw[] = [
  {
    path: '/workspace',
    name: 'workspace',
    component: () => import('@/views/workspace/WorkspaceHome.vue'),
    meta: { titleKey: 'workspace.title' },
  },
  {
    // `?project=<id>` saves looking the lot up among all open projects.
    path: '/workspace/lots/:lotId',
    name: 'workspace-lot',
    component: () => import('@/views/workspace/LotWorkspace.vue'),
    props: true,
    meta: { titleKey: 'workspace.lotTitle' },
  },
  {
    path: '/workspace/check',
    name: 'workspace-check',
    component: () => import('@/views/workspace/CheckPackage.vue'),
    meta: { titleKey: 'workspace.checkTitle' },
  },
]
