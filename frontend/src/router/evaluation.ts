import type { RouteRecordRaw } from 'vue-router'

/**
 * The evaluation (issue 20; merged into the app's router in `router/index.ts`): the committee's
 * room of one lot (the chair's overview is part of it), and the supervisor's list and read-only view.
 * Experts reach the room from their day's assignments on `/expert` (进入评标).
 */
export const evaluationRoutes: RouteRecordRaw[] = [
  {
    path: '/evaluation/:id',
    name: 'evaluation-room',
    component: () => import('@/views/evaluation/EvaluationRoomView.vue'),
    props: true,
    meta: { titleKey: 'evaluation.roomTitle' },
  },
  {
    path: '/supervision/evaluations',
    name: 'supervision-evaluations',
    component: () => import('@/views/evaluation/SupervisionEvaluationsView.vue'),
    meta: { titleKey: 'evaluation.supervisionTitle' },
  },
  {
    path: '/supervision/evaluations/:id',
    name: 'supervision-evaluation',
    component: () => import('@/views/evaluation/SupervisionEvaluationView.vue'),
    props: true,
    meta: { titleKey: 'evaluation.supervisionDetailTitle' },
  },
]
