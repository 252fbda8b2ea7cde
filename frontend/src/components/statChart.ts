/**
 * The option type of `StatChart.vue`: ECharts' bar and line series with the grid, legend and tooltip
 * components — the parts the statistics pages draw with (`echarts/core`, only what is used).
 */
import type { ComposeOption } from 'echarts/core'
import type { BarSeriesOption, LineSeriesOption } from 'echarts/charts'
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components'

export type StatChartOption = ComposeOption<
  BarSeriesOption | LineSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption
>
