import type { RouteRecordRaw } from 'vue-router'

/**
 * The expert draw (merged into the app's router in `router/index.ts`): the requester's page of a
 * project, the e-mail's answer page (no login), the supervisor's list and detail. The expert's
 * invitations are a section of `/expert` (`router/experts.ts`).
 */
export const drawRoutes: RouteRecordRaw[] = [
  {
    path: '/agent/projects/:id/experts',
    name: 'project-expert-draws',
    component: () => import('@/views/draws/ProjectDrawsView.vue'),
    props: true,
    meta: { titleKey: 'draws.agentTitle' },
  },
  {
    path: '/expert-invitations/:token',
    name: 'expert-invitation-answer',
    component: () => import('@/views/draws/InvitationAnswerView.vue'),
    props: true,
    meta: { titleKey: 'draws.answerTitle' },
  },
  {
    path: '/supervision/expert-draws',
    name: 'supervision-expert-draws',
    component: () => import('@/views/draws/SupervisionDrawsView.vue'),
    meta: { titleKey: 'draws.supervisionTitle' },
  },
  {
    path: '/supervision/expert-draws/:id',
    name: 'supervision-expert-draw',
    component: () => import('@/views/draws/SupervisionDrawView.vue'),
    props: true,
    meta: { titleKey: 'draws.supervisionDetailTitle' },
  },
]
