/** The lots a bidder can bid on, from the public projects API (projects in the tendering phase). */
import { listProjects, getProject } from '@/api/public'
import type { Lot, Project } from '@/api/types'
import type { FormField } from './openingForm'

/** The public lot, with the opening-form fields the server lists for it. */
export type WorkspaceLot = Lot & { form_fields?: Partial<FormField>[]; estimated_price_fen?: number }

export interface LotEntry {
  project: Project
  lot: WorkspaceLot
  deadline: string | null
}

const PAGE = 100

/** Every lot of every project in the tendering phase (a few pages at most). */
export async function openLots(signal?: AbortSignal): Promise<LotEntry[]> {
  const out: LotEntry[] = []
  for (let page = 1; page <= 20; page++) {
    const res = await listProjects({ phase: 'tendering', page, page_size: PAGE }, signal)
    for (const project of res.items) {
      for (const lot of project.lots) out.push({ project, lot, deadline: lot.bid_deadline ?? project.bid_deadline })
    }
    if (page * PAGE >= res.total) break
  }
  return out
}

/** One lot; with its project id a single request, else looked up among the open lots. */
export async function findLot(lotId: string, projectId: string | null, signal?: AbortSignal): Promise<LotEntry | null> {
  if (projectId) {
    const project = await getProject(projectId, signal)
    const lot = project.lots.find((l) => l.id === lotId)
    return lot ? { project, lot, deadline: lot.bid_deadline ?? project.bid_deadline } : null
  }
  return (await openLots(signal)).find((e) => e.lot.id === lotId) ?? null
}
