/** 中文 texts of the centre administrator's console (管理控制台, issue 25: registrations, enrolment codes, users and certificates, agents, trust list, settings); `admin.en.ts` has the same keys. */
const admin = {
  admin: {
    nav: '管理控制台',
    title: '管理控制台',
  },
}

export type AdminMessages = typeof admin
export default admin
