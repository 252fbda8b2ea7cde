import type { RouteRecordRaw } from 'vue-router'

/** Routes of the workspace pages (merged into the app's router in `router/index.ts`). */
export const workspaceRoutes: RouteRecordRaw[] = []
