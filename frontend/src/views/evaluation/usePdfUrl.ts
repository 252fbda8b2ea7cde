/**
 * A PDF fetched with the session's token, shown in `ViewerOverlay` through an object URL (a frame
 * cannot send the token): `show` replaces the URL (revoking the old one), `clear` revokes it, and it
 * is revoked when the component goes away.
 */
import { onBeforeUnmount, ref, type Ref } from 'vue'

export interface PdfUrl {
  url: Ref<string | null>
  show: (pdf: Blob) => void
  clear: () => void
}

export function usePdfUrl(): PdfUrl {
  const url = ref<string | null>(null)
  function clear(): void {
    if (url.value) URL.revokeObjectURL(url.value)
    url.value = null
  }
  function show(pdf: Blob): void {
    clear()
    url.value = URL.createObjectURL(new Blob([pdf], { type: 'application/pdf' }))
  }
  onBeforeUnmount(clear)
  return { url, show, clear }
}
