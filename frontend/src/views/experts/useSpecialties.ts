/** The specialty code tree, fetched once per page load and shared by the pool's pages. */
import { shallowRef, type ShallowRef } from 'vue'
import { getSpecialtyTree, type SpecialtyItem } from '@/api/experts'

const tree = shallowRef<SpecialtyItem[] | null>(null)
const error = shallowRef<unknown>(null)
let pending: Promise<void> | null = null

function load(): Promise<void> {
  if (!pending) {
    error.value = null
    pending = getSpecialtyTree()
      .then((t) => {
        tree.value = t.specialties
      })
      .catch((e: unknown) => {
        error.value = e
        pending = null
      })
  }
  return pending
}

export function useSpecialties(): { tree: ShallowRef<SpecialtyItem[] | null>; error: ShallowRef<unknown>; reload: () => Promise<void> } {
  void load()
  return { tree, error, reload: load }
}
