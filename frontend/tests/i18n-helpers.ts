/** Shared by the i18n specs: compare message catalogues leaf by leaf. */

export type Tree = { [key: string]: string | Tree }

/** Leaf key paths ("a.b.c") with their message. */
export function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key
    if (typeof value === 'string') out.set(path, value)
    else for (const [k, v] of leaves(value, path)) out.set(k, v)
  }
  return out
}

/** The `{name}` placeholders of a message, sorted and comma-joined, for comparing languages. */
export const placeholders = (message: string): string =>
  [...new Set([...message.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? ''))].sort().join()
