import type { RouteRecordRaw } from 'vue-router'

/**
 * The centre administrator's console (管理控制台, issue 25): registrations to approve or refuse,
 * enrolment codes, an organisation's users and certificates with revocation, the agents' roster,
 * the trust list of outside CAs and the settings that are safe to show. Built on Element Plus
 * (`components/ElementScope.vue`).
 * Merged into the app's router in `router/index.ts`.
 */
export const adminRoutes: RouteRecordRaw[] = [
  {
    path: '/admin',
    name: 'admin',
    component: () => import('@/views/admin/AdminConsoleView.vue'),
    meta: { titleKey: 'admin.title' },
  },
  {
    path: '/admin/organisations/:id',
    name: 'admin-organisation',
    component: () => import('@/views/admin/OrganisationView.vue'),
    props: true,
    meta: { titleKey: 'admin.orgTitle' },
  },
]
