import { useEffect, useMemo, useState } from 'react';
import type { ChartRange, Series, SeriesPoint } from '../../../shared/monitoring-contract';
import { call } from '../api';
import { formatBytes, formatDuration, percent } from '../format';
import { useLiveQuery } from '../use-refresh';
import { AlertsList } from './AlertsList';
import { Chart } from './Chart';
import { useMonitoring } from './monitoring-store';

const ranges: { range: ChartRange; label: string; spanMs: number }[] = [
  { range: 'hour', label: 'Last hour', spanMs: 3_600_000 },
  { range: 'day', label: 'Last day', spanMs: 86_400_000 },
  { range: 'week', label: 'Last week', spanMs: 7 * 86_400_000 },
];

type Figure = keyof Omit<SeriesPoint, 't'>;

interface ChartSpec {
  title: string;
  series: { label: string; figure: Figure }[];
  format(value: number): string;
  current(series: Series): string;
  whole?: boolean;
}

const seconds = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : formatDuration(ms));
const orDash = <T,>(value: T | null | undefined, show: (value: T) => string) => (value == null ? '–' : show(value));

const charts: ChartSpec[] = [
  {
    title: 'Processing time per minute of video',
    series: [
      { label: 'p50', figure: 'processingP50' },
      { label: 'p95', figure: 'processingP95' },
    ],
    format: seconds,
    current: (s) => {
      const last = s.points.findLast((point) => point.processingP50 !== null);
      return last ? `p50 ${seconds(last.processingP50 ?? 0)}, p95 ${seconds(last.processingP95 ?? 0)}` : '–';
    },
  },
  {
    title: 'Videos finished',
    series: [{ label: 'Videos', figure: 'videosDone' }],
    format: (v) => String(Math.round(v)),
    whole: true,
    current: (s) => `${s.stats.jobs.done} done, ${orDash(s.stats.frames_per_second, (v) => v.toFixed(1))} frames/s`,
  },
  {
    title: 'Error rate',
    series: [{ label: 'Failed or dead', figure: 'errorRate' }],
    format: percent,
    current: (s) => orDash(s.stats.error_rate, percent),
  },
  {
    title: 'Queue length',
    series: [{ label: 'Videos waiting', figure: 'queueLength' }],
    format: (v) => String(Math.round(v)),
    whole: true,
    current: (s) => `${s.stats.queue_length} now${s.stats.queue_remaining_ms ? `, ${formatDuration(s.stats.queue_remaining_ms)} left` : ''}`,
  },
  {
    title: 'CPU',
    series: [
      { label: 'Stillframe', figure: 'cpuPercent' },
      { label: 'FFmpeg', figure: 'ffmpegCpuPercent' },
    ],
    format: (v) => `${Math.round(v)}%`,
    current: (s) => `${orDash(s.current.cpuPercent, (v) => `${Math.round(v)}%`)} app, ${orDash(s.current.ffmpegCpuPercent, (v) => `${Math.round(v)}%`)} FFmpeg`,
  },
  {
    title: 'Memory',
    series: [{ label: 'Stillframe', figure: 'memoryBytes' }],
    format: formatBytes,
    current: (s) => orDash(s.current.memoryBytes, formatBytes),
  },
  {
    title: 'Disk free',
    series: [{ label: 'Free', figure: 'diskFreeBytes' }],
    format: formatBytes,
    current: (s) => orDash(s.stats.disk.free_bytes, formatBytes),
  },
  {
    title: 'Loom response time',
    series: [{ label: 'p95', figure: 'loomP95Ms' }],
    format: (v) => `${Math.round(v)} ms`,
    current: (s) => `${orDash(s.stats.loom.p95_ms, (v) => `${v} ms`)} p95, ${s.stats.loom.errors} errors of ${s.stats.loom.requests}`,
  },
  {
    title: 'Download speed',
    series: [{ label: 'Speed', figure: 'downloadBytesPerSecond' }],
    format: (v) => `${formatBytes(v)}/s`,
    current: (s) => orDash(s.stats.downloads.bytes_per_second, (v) => `${formatBytes(v)}/s`),
  },
];

function ChartFor({ spec, data, spanMs }: { spec: ChartSpec; data: Series; spanMs: number }) {
  const { times, series } = useMemo(() => {
    const points = data.points.filter((point) => spec.series.some((s) => point[s.figure] !== null));
    return {
      times: points.map((point) => point.t / 1000),
      series: spec.series.map((s) => ({ label: s.label, values: points.map((point) => point[s.figure]) })),
    };
  }, [data, spec]);
  const to = Date.now() / 1000;
  return <Chart title={spec.title} times={times} series={series} format={spec.format} current={spec.current(data)} from={to - spanMs / 1000} to={to} whole={spec.whole ?? false} />;
}

/** Charts of how processing is going, with the figures now beside them and the alerts list. */
export function MonitoringView() {
  const [range, setRange] = useState<ChartRange>('hour');
  const open = useMonitoring((state) => state.open);
  const { data, reload } = useLiveQuery(() => call('monitoring.series', { range }), { 'queue.stats': () => true }, [range], 1000);
  useEffect(() => {
    // Resource samples arrive on a timer, not with an event.
    const timer = setInterval(reload, 15_000);
    return () => clearInterval(timer);
  }, [reload]);
  const spanMs = ranges.find((r) => r.range === range)?.spanMs ?? 3_600_000;

  return (
    <section className="monitoring" aria-labelledby="monitoring-heading">
      <div className="section-header">
        <div>
          <h1 id="monitoring-heading">Monitoring</h1>
          <p className="project-counts">How processing is going in this library.</p>
        </div>
        <div className="monitoring-actions">
          <div role="group" aria-label="Period" className="segmented">
            {ranges.map((r) => (
              <button key={r.range} type="button" aria-pressed={range === r.range} onClick={() => setRange(r.range)}>
                {r.label}
              </button>
            ))}
          </div>
          <button type="button" onClick={() => open('storage')}>Storage</button>
          <button type="button" onClick={() => open(null)}>Close monitoring</button>
        </div>
      </div>
      <AlertsList />
      {data ? (
        <div className="chart-grid">
          {charts.map((spec) => (
            <ChartFor key={spec.title} spec={spec} data={data} spanMs={spanMs} />
          ))}
        </div>
      ) : (
        <p>Loading…</p>
      )}
    </section>
  );
}
