import type { RouteRecordRaw } from 'vue-router'

/**
 * The award (定标, issue 21; merged into the app's router in `router/index.ts`): the project's award
 * pages (the tenderer, its agent; the supervisor and the auditor read) and the bidder's, in its
 * workspace (the publicity, its objections and complaints, its notices). The public sees a lot's
 * publicity and result on the project page (`views/awards/PublicLotAward.vue`).
 */
export const awardRoutes: RouteRecordRaw[] = [
  {
    path: '/awards',
    name: 'awards',
    component: () => import('@/views/awards/AwardsListView.vue'),
    meta: { titleKey: 'awards.listTitle' },
  },
  {
    path: '/awards/:id',
    name: 'award',
    component: () => import('@/views/awards/AwardDetailView.vue'),
    props: true,
    meta: { titleKey: 'awards.detailTitle' },
  },
  {
    path: '/workspace/awards',
    name: 'workspace-awards',
    component: () => import('@/views/awards/BidderAwardsView.vue'),
    meta: { titleKey: 'awards.bidderTitle' },
  },
  {
    path: '/workspace/awards/:id',
    name: 'workspace-award',
    component: () => import('@/views/awards/BidderAwardView.vue'),
    props: true,
    meta: { titleKey: 'awards.bidderDetailTitle' },
  },
]
