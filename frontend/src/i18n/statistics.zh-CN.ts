/** 中文 texts of the statistics pages (统计, issue 25: the public figures of the year and the centre's internal charts); `statistics.en.ts` has the same keys. */
const statistics = {
  statistics: {
    nav: '统计',
    title: '交易统计',
  },
}

export type StatisticsMessages = typeof statistics
export default statistics
