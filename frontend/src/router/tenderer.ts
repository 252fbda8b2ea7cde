import type { RouteRecordRaw } from 'vue-router'

/**
 * The tenderer's pages (招标人, issue 25): its projects registered (项目登记), the agent appointed,
 * the tender documents approved before publication, each project's progress. Built on Element Plus
 * (`components/ElementScope.vue`).
 * Merged into the app's router in `router/index.ts`.
 */
export const tendererRoutes: RouteRecordRaw[] = []
