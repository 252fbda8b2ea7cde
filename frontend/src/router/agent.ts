import type { RouteRecordRaw } from 'vue-router'

/** Routes of the agent pages (merged into the app's router in `router/index.ts`). */
export const agentRoutes: RouteRecordRaw[] = [
  {
    path: '/agent/projects',
    name: 'agent-projects',
    component: () => import('@/views/agent/AgentProjectsView.vue'),
    meta: { titleKey: 'agent.title' },
  },
  {
    path: '/agent/projects/new',
    name: 'agent-project-new',
    component: () => import('@/views/agent/AgentNewProjectView.vue'),
    meta: { titleKey: 'agent.newTitle' },
  },
  {
    path: '/agent/projects/:id/edit',
    name: 'agent-project-edit',
    component: () => import('@/views/agent/AgentNewProjectView.vue'),
    props: true,
    meta: { titleKey: 'agent.editTitle' },
  },
  {
    path: '/agent/projects/:id',
    name: 'agent-project',
    component: () => import('@/views/agent/AgentProjectView.vue'),
    props: true,
    meta: { titleKey: 'agent.projectTitle' },
  },
]
