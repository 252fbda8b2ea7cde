/**
 * @peculiar/x509 with what it needs loaded first: tsyringe (its dependency injection) requires a
 * Reflect metadata polyfill before the library is evaluated. Import x509 from here, never directly.
 */
import 'reflect-metadata'
import * as x509 from '@peculiar/x509'

x509.cryptoProvider.set(globalThis.crypto)

export { x509 }
export type { JsonNameParams } from '@peculiar/x509'
