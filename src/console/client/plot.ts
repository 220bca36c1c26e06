/**
 * Time-series plots with uPlot (bundled from npm, drawn on canvas). A plot
 * sits in a <figure> whose caption names it and whose label states the
 * latest values, so the numbers are not locked inside the canvas.
 */
import uPlot from 'uplot';
import { h } from './dom';

export interface PlotSeries {
  label: string;
  /** CSS colour. */
  color: string;
  unit?: string;
}

export interface TimePlot {
  figure: HTMLElement;
  /** x: epoch seconds; one array of y values (null = gap) per series. */
  update(x: number[], ys: Array<Array<number | null>>): void;
  destroy(): void;
}

const HEIGHT_PX = 180;

export function timePlot(title: string, series: PlotSeries[], yLabel: string): TimePlot {
  const canvasHolder = h('div', { class: 'plot-canvas' });
  const summary = h('p', { class: 'plot-summary' }, 'Waiting for data…');
  const figure = h(
    'figure',
    { class: 'plot', role: 'group', 'aria-label': title },
    h('figcaption', {}, title),
    canvasHolder,
    summary,
  );
  let chart: uPlot | undefined;
  let data: uPlot.AlignedData = [[], ...series.map(() => [])];
  const width = () => Math.max(240, Math.floor(canvasHolder.clientWidth || 600));
  const resize = new ResizeObserver(() => chart?.setSize({ width: width(), height: HEIGHT_PX }));

  function create(): uPlot {
    const opts: uPlot.Options = {
      width: width(),
      height: HEIGHT_PX,
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true },
        y: { range: (_u, min, max) => [0, Math.max(max, min, 1) * 1.1] },
      },
      axes: [
        { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.15)' } },
        {
          label: yLabel,
          stroke: 'currentColor',
          size: 56,
          grid: { stroke: 'rgba(128,128,128,0.15)' },
        },
      ],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          spanGaps: false,
          points: { show: true, size: 4 },
        })),
      ],
    };
    const created = new uPlot(opts, data, canvasHolder);
    resize.observe(canvasHolder);
    return created;
  }

  return {
    figure,
    update(x, ys) {
      data = [x, ...ys];
      if (!chart && figure.isConnected) chart = create();
      chart?.setData(data);
      figure.dataset.points = String(x.length);
      const last = (i: number) => ys[i]?.at(-1);
      summary.textContent = x.length
        ? series
            .map((s, i) => {
              const v = last(i);
              return `${s.label}: ${v === null || v === undefined ? '—' : `${v.toFixed(2)}${s.unit ?? ''}`}`;
            })
            .join(' · ')
        : 'Waiting for data…';
    },
    destroy() {
      resize.disconnect();
      chart?.destroy();
      chart = undefined;
    },
  };
}
