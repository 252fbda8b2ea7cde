import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import type { MessageSchema } from '@/i18n'
import HomeView from '@/views/HomeView.vue'
import { agentRoutes } from './agent'
import { awardRoutes } from './awards'
import { auditRoutes } from './audit'
import { drawRoutes } from './draws'
import { evaluationRoutes } from './evaluation'
import { expertRoutes } from './experts'
import { financeRoutes } from './finance'
import { supervisionRoutes } from './supervision'
import { workspaceRoutes } from './workspace'
import { adminRoutes } from './admin'
import { tendererRoutes } from './tenderer'
import { statisticsRoutes } from './statistics'

type TitleKey =
  | `nav.${Exclude<keyof MessageSchema['nav'], 'label'>}`
  | 'notFound.title'
  | 'project.overview'
  | 'announcements.title'
  | 'announcements.detailTitle'
  | 'room.title'
  | 'host.title'
  | `workspace.${keyof MessageSchema['workspace']}`
  | `agent.${keyof MessageSchema['agent']}`
  | `audit.${keyof MessageSchema['audit']}`
  | `finance.${keyof MessageSchema['finance']}`
  | `experts.${keyof MessageSchema['experts']}`
  | `draws.${keyof MessageSchema['draws']}`
  | `evaluation.${keyof MessageSchema['evaluation']}`
  | `awards.${keyof MessageSchema['awards']}`
  | 'transparency.title'
  | `supervision.${keyof MessageSchema['supervision']}`
  | `admin.${keyof MessageSchema['admin']}`
  | `tenderer.${keyof MessageSchema['tenderer']}`
  | `statistics.${keyof MessageSchema['statistics']}`

declare module 'vue-router' {
  interface RouteMeta {
    /** i18n key of the page title. */
    titleKey?: TitleKey
  }
}

export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'home', component: HomeView, meta: { titleKey: 'nav.home' } },
  {
    path: '/openings',
    name: 'openings',
    component: () => import('@/views/OpeningsView.vue'),
    meta: { titleKey: 'nav.openings' },
  },
  {
    path: '/announcements',
    name: 'announcements',
    component: () => import('@/views/AnnouncementsView.vue'),
    meta: { titleKey: 'announcements.title' },
  },
  {
    path: '/announcements/:id',
    name: 'announcement',
    component: () => import('@/views/announcements/AnnouncementDetailView.vue'),
    props: true,
    meta: { titleKey: 'announcements.detailTitle' },
  },
  {
    path: '/projects/:id',
    name: 'project',
    component: () => import('@/views/ProjectDetailView.vue'),
    props: true,
    meta: { titleKey: 'project.overview' },
  },
  {
    path: '/status',
    name: 'status',
    component: () => import('@/views/StatusView.vue'),
    meta: { titleKey: 'nav.status' },
  },
  {
    path: '/verify',
    name: 'verify',
    component: () => import('@/views/VerifyView.vue'),
    meta: { titleKey: 'nav.verify' },
  },
  {
    path: '/login',
    name: 'login',
    component: () => import('@/views/LoginView.vue'),
    meta: { titleKey: 'nav.login' },
  },
  {
    path: '/register',
    name: 'register',
    component: () => import('@/views/RegisterView.vue'),
    meta: { titleKey: 'nav.register' },
  },
  {
    path: '/enrol',
    name: 'enrol',
    component: () => import('@/views/EnrolView.vue'),
    meta: { titleKey: 'nav.enrol' },
  },
  {
    path: '/openings/:lotId/live',
    name: 'room',
    component: () => import('@/views/room/RoomView.vue'),
    props: true,
    meta: { titleKey: 'room.title' },
  },
  {
    path: '/openings/:lotId/host',
    name: 'room-host',
    component: () => import('@/views/room/HostConsole.vue'),
    props: true,
    meta: { titleKey: 'host.title' },
  },
  ...workspaceRoutes,
  ...agentRoutes,
  ...auditRoutes,
  ...financeRoutes,
  ...expertRoutes,
  ...drawRoutes,
  ...evaluationRoutes,
  ...awardRoutes,
  ...supervisionRoutes,
  ...adminRoutes,
  ...tendererRoutes,
  ...statisticsRoutes,
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('@/views/NotFoundView.vue'),
    meta: { titleKey: 'notFound.title' },
  },
]

export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes,
  scrollBehavior(_to, _from, saved) {
    return saved ?? { top: 0 }
  },
})
