import { writeFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import * as echarts from 'echarts';

export interface LagSample {
  t: number;
  consumerLag: number;
  projectionLag: number;
}

/** The lag-over-time plot, drawn with ECharts server-side (SVG) and rasterised to PNG with resvg. */
export function writeLagPlot(file: string, samples: LagSample[], title: string, marks: Array<{ t: number; label: string }>): void {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 1000, height: 420 });
  chart.setOption({
    animation: false,
    backgroundColor: '#ffffff',
    title: { text: title, left: 'center', textStyle: { fontSize: 14 } },
    legend: { top: 28 },
    grid: { left: 70, right: 30, top: 70, bottom: 50 },
    xAxis: { type: 'value', name: 'seconds', nameLocation: 'middle', nameGap: 28 },
    yAxis: { type: 'value', name: 'lag (messages / events)' },
    series: [
      { name: 'ingestor: consumer-group lag', type: 'line', showSymbol: false, data: samples.map((s) => [s.t, s.consumerLag]), color: '#D55E00' },
      { name: 'projector: events not yet applied', type: 'line', showSymbol: false, data: samples.map((s) => [s.t, s.projectionLag]), color: '#0072B2' },
      { name: 'marks', type: 'line', data: [], markLine: { symbol: 'none', label: { formatter: '{b}' }, lineStyle: { color: '#555', type: 'dashed' }, data: marks.map((m) => ({ xAxis: m.t, name: m.label })) } },
    ],
  });
  const svg = chart.renderToSVGString();
  chart.dispose();
  writeFileSync(file, new Resvg(svg, { background: '#ffffff', fitTo: { mode: 'width', value: 1000 } }).render().asPng());
}
