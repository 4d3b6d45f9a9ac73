import { useEffect, useId, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useColorScheme } from '../use-color-scheme';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
}

interface ChartProps {
  title: string;
  /** Seconds since the epoch, one per point, oldest first. */
  times: number[];
  series: ChartSeries[];
  format(value: number): string;
  /** The figure now, shown beside the chart. */
  current: string;
  /** The range's start and end, in seconds, so an empty stretch shows as empty rather than stretched. */
  from: number;
  to: number;
  /** Counts: ticks on whole numbers only. */
  whole?: boolean;
}

const colours = ['--accent', '--danger', '--ok'];
const wholeSteps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000];

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

const timeText = (seconds: number) => new Date(seconds * 1000).toLocaleString([], { dateStyle: 'short', timeStyle: 'medium' });

/**
 * One uPlot chart with its current value as a number and its data as a table for screen readers (the canvas is
 * hidden from them).
 */
export function Chart({ title, times, series, format, current, from, to, whole = false }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const titleId = useId();
  const shape = series.map((s) => s.label).join('|');
  // The canvas holds the theme's colours as drawn: a theme change rebuilds the chart with the new ones.
  const scheme = useColorScheme();

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const text = cssVar('--muted');
    const grid = cssVar('--border');
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const chart = new uPlot(
      {
        width: Math.max(200, element.clientWidth),
        height: 160,
        legend: { show: series.length > 1, live: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min), whole ? Math.max(1, Math.ceil(max * 1.1)) : max > 0 ? max * 1.1 : 1] } },
        axes: [
          axis,
          { ...axis, size: 76, ...(whole ? { incrs: wholeSteps } : {}), values: (_u, ticks) => ticks.map((tick) => format(tick)) },
        ],
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.label,
            stroke: cssVar(colours[i % colours.length] ?? '--accent'),
            width: 2,
            points: { show: true, size: 5 },
            spanGaps: true,
            value: (_u: uPlot, value: number | null) => (value == null ? '–' : format(value)),
          })),
        ],
      },
      [[], ...series.map(() => [])],
      element,
    );
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(200, element.clientWidth), height: 160 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
    // The chart is rebuilt only when its series or the theme change; new data goes through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape, scheme]);

  useEffect(() => {
    const chart = plot.current;
    if (!chart) return;
    chart.setData([times, ...series.map((s) => s.values)] as uPlot.AlignedData, false);
    chart.setScale('x', { min: from, max: to });
  }, [times, series, from, to, shape, scheme]);

  return (
    <figure className="chart" aria-labelledby={titleId}>
      <figcaption>
        <span id={titleId}>{title}</span>
        <strong className="chart-current" aria-label={`${title} now`}>{current}</strong>
      </figcaption>
      <div ref={box} className="chart-canvas" aria-hidden="true" hidden={times.length === 0} />
      <table className="visually-hidden" aria-label={`${title}, data`}>
        <thead>
          <tr>
            <th scope="col">Time</th>
            {series.map((s) => (
              <th scope="col" key={s.label}>{s.label}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {times.map((time, row) => (
            <tr key={time}>
              <th scope="row">{timeText(time)}</th>
              {series.map((s) => {
                const value = s.values[row];
                return <td key={s.label}>{value == null ? 'none' : format(value)}</td>;
              })}
            </tr>
          ))}
        </tbody>
      </table>
      {times.length === 0 && <p className="chart-empty">Nothing recorded in this period yet.</p>}
    </figure>
  );
}
