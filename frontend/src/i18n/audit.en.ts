import type { AuditMessages } from './audit.zh-CN'

/** English texts of the audit pages; same keys as audit.zh-CN.ts. */
const audit: AuditMessages = {
  audit: {
    title: 'Supervision and audit',
  },
}

export default audit
