import type { RouteRecordRaw } from 'vue-router'

/** Routes of the audit pages (merged into the app's router in `router/index.ts`). */
export const auditRoutes: RouteRecordRaw[] = []
