import type { RouteRecordRaw } from 'vue-router'

/** Routes of the audit pages (merged into the app's router in `router/index.ts`). */
export const auditRoutes: RouteRecordRaw[] = [
  {
    path: '/audit',
    name: 'audit',
    component: () => import('@/views/audit/AuditProjectsView.vue'),
    meta: { titleKey: 'audit.title' },
  },
  {
    // The transparency log: checkpoints and their consistency (public), the log's audits (audit roles).
    path: '/audit/log',
    name: 'audit-log',
    component: () => import('@/views/audit/AuditLogView.vue'),
    meta: { titleKey: 'transparency.title' },
  },
  {
    path: '/audit/projects/:id',
    name: 'audit-project',
    component: () => import('@/views/audit/AuditEventsView.vue'),
    props: true,
    meta: { titleKey: 'audit.eventsTitle' },
  },
  {
    path: '/audit/projects/:id/documents',
    name: 'audit-documents',
    component: () => import('@/views/audit/AuditDocumentsView.vue'),
    props: true,
    meta: { titleKey: 'audit.documentsTitle' },
  },
]
