/** 中文 texts of the audit pages; `audit.en.ts` has the same keys. */
const audit = {
  audit: {
    title: '监督与审计',
  },
}

export type AuditMessages = typeof audit
export default audit
