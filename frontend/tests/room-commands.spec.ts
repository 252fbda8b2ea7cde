/**
 * Every command of the room protocol has its control in the web app: the table in
 * `opening_room/states.py` (who may send what, in which states) against the views' sources and
 * `HOST_COMMANDS` in `src/room/state.ts`. A command added on the server without a control fails here.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { SIGN_IN_STATES } from '@/room/bidder'
import { HOST_COMMANDS } from '@/room/state'

const read = (path: string): string => readFileSync(fileURLToPath(new URL(path, import.meta.url)), 'utf8')

interface Rule {
  roles: string[]
  /** null: every state, or every state but the final ones (written as set arithmetic in Python). */
  states: string[] | null
}

/** `COMMANDS` of states.py: name → roles and states. */
function serverCommands(): Map<string, Rule> {
  const source = read('../../opening_room/states.py')
  const table = source.slice(source.indexOf('COMMANDS'))
  const rules = new Map<string, Rule>()
  const entry = /"(\w+)":\s*\(\s*frozenset\(\{([^}]*)\}\),\s*frozenset\((\{[^}]*\}|set\(State\)[^)]*)\)/g
  for (const m of table.matchAll(entry)) {
    const roles = [...(m[2] ?? '').matchAll(/Role\.(\w+)/g)].map((r) => (r[1] ?? '').toLowerCase())
    const statesText = m[3] ?? ''
    const states = statesText.startsWith('{')
      ? [...statesText.matchAll(/State\.(\w+)/g)].map((s) => (s[1] ?? '').toLowerCase())
      : null
    rules.set(m[1] ?? '', { roles, states })
  }
  return rules
}

const SOURCES: Record<string, string> = {
  host: read('../src/views/room/HostConsole.vue'),
  bidder: read('../src/room/bidder.ts') + read('../src/views/room/BidderPanel.vue'),
  supervisor: read('../src/views/room/RemarkBox.vue'),
}

describe('room commands', () => {
  const rules = serverCommands()

  it('reads the whole server table', () => {
    const source = read('../../opening_room/states.py')
    const entries = source.slice(source.indexOf('COMMANDS')).match(/^\s*"\w+":\s*\(/gm) ?? []
    expect(rules.size).toBe(entries.length)
    expect(rules.size).toBeGreaterThanOrEqual(19)
    expect(rules.get('decrypt')).toEqual({ roles: ['bidder'], states: ['decrypting'] })
    expect(rules.get('remark')).toEqual({ roles: ['supervisor'], states: null })
  })

  it('has a control for every command, for the role that may send it', () => {
    for (const [name, rule] of rules) {
      for (const role of rule.roles) {
        expect(SOURCES[role], `${role} sources`).toBeDefined()
        expect(SOURCES[role], `no control sends ${name} (${role})`).toContain(`'${name}'`)
      }
    }
  })

  it('mirrors the states in which the host may act', () => {
    const host = [...rules].filter(([, r]) => r.roles.includes('host'))
    expect(Object.keys(HOST_COMMANDS).sort()).toEqual(host.map(([name]) => name).sort())
    for (const [name, rule] of host) {
      if (rule.states) expect([...(HOST_COMMANDS[name] ?? [])].sort(), name).toEqual([...rule.states].sort())
    }
  })

  it('offers the sign-in exactly where the server takes it', () => {
    expect([...SIGN_IN_STATES].sort()).toEqual([...(rules.get('sign_in')?.states ?? [])].sort())
  })
})
