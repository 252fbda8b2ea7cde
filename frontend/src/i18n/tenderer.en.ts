import type { TendererMessages } from './tenderer.zh-CN'

/** English texts of the tenderer's pages; same keys as tenderer.zh-CN.ts. */
const tenderer: TendererMessages = {
  tenderer: {
    nav: 'My projects',
    title: "The tenderer's projects",
  },
}

export default tenderer
