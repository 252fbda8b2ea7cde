/** 中文 texts of the tenderer's pages (招标人, issue 25: project registration, the agent appointed, documents approved, progress); `tenderer.en.ts` has the same keys. */
const tenderer = {
  tenderer: {
    nav: '我的项目',
    title: '招标人项目',
  },
}

export type TendererMessages = typeof tenderer
export default tenderer
