import type { AdminMessages } from './admin.zh-CN'

/** English texts of the centre administrator's console; same keys as admin.zh-CN.ts. */
const admin: AdminMessages = {
  admin: {
    nav: 'Administration',
    title: 'Administration console',
  },
}

export default admin
