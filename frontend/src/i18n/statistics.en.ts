import type { StatisticsMessages } from './statistics.zh-CN'

/** English texts of the statistics pages; same keys as statistics.zh-CN.ts. */
const statistics: StatisticsMessages = {
  statistics: {
    nav: 'Statistics',
    title: 'Trading statistics',
  },
}

export default statistics
