import type { RouteRecordRaw } from 'vue-router'

/** Routes of the agent pages (merged into the app's router in `router/index.ts`). */
export const agentRoutes: RouteRecordRaw[] = []
