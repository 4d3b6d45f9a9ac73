import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { monitoringCalls } from '../../shared/monitoring-contract';
import { listAlerts, readAlertRules, writeAlertRules } from '../monitoring/alerts';
import { estimateImport, queueRemaining } from '../monitoring/estimates';
import { computeSeries, computeStats, rangeSpec } from '../monitoring/metrics';
import { cleanUp, cleanupPlan, projectStorage, storageUsage } from '../monitoring/storage';
import type { Services } from '../services';
import type { Handlers } from './handlers';

export type MonitoringHandlers = Pick<Handlers, keyof typeof monitoringCalls>;

const defaultWindowMs = 86_400_000;

/** A file's size, or a folder's videos' sizes added up; 0 for what cannot be read (ingest will say why). */
function sizeOf(file: string): number {
  try {
    const stats = statSync(file);
    if (stats.isFile()) return stats.size;
    if (!stats.isDirectory()) return 0;
    return readdirSync(file, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .reduce((sum, entry) => sum + statSync(path.join(entry.parentPath, entry.name)).size, 0);
  } catch {
    return 0;
  }
}

/** Monitoring, alerts, estimates and storage over the services; createHandlers spreads them into the contract. */
export function createMonitoringHandlers(services: Services): MonitoringHandlers {
  const { db, paths, queue, monitoring, events } = services;
  const stats = (sinceMs: number) => {
    const now = Date.now();
    return computeStats(db, {
      sinceMs,
      now,
      diskFreeBytes: monitoring.diskFree(),
      queueRemainingMs: queueRemaining(db, queue.concurrency, now).queueMs,
    });
  };
  return {
    'monitoring.stats': ({ sinceMs }) => stats(sinceMs ?? defaultWindowMs),
    'monitoring.series': ({ range }) => {
      const sample = monitoring.lastSample();
      const value = (column: string) => (typeof sample?.[column] === 'number' ? sample[column] : null);
      return {
        range,
        bucketMs: rangeSpec[range].bucketMs,
        points: computeSeries(db, range, Date.now()),
        stats: stats(rangeSpec[range].spanMs),
        current: {
          cpuPercent: value('cpu_percent'),
          memoryBytes: value('memory_bytes'),
          ffmpegCpuPercent: value('ffmpeg_cpu_percent'),
        },
      };
    },
    'monitoring.alerts': () => listAlerts(db),
    'monitoring.rules': () => readAlertRules(db),
    'monitoring.setRules': (rules) => {
      writeAlertRules(db, rules);
      monitoring.evaluate();
      return readAlertRules(db);
    },
    'monitoring.estimate': ({ videos, paths: files, sampling }) => {
      // Sizes only: probing every file here would cost what the import itself is about to do.
      const measured = files.map((file) => ({ sizeBytes: sizeOf(file) }));
      return estimateImport(db, [...videos, ...measured], sampling, queue.concurrency);
    },
    'monitoring.remaining': () => queueRemaining(db, queue.concurrency, Date.now()),
    'storage.usage': () => storageUsage(db, paths),
    'storage.project': ({ projectId }) => projectStorage(db, paths, projectId),
    'storage.cleanupPlan': () => ({ items: cleanupPlan(db, paths) }),
    'storage.cleanup': ({ ids }) => {
      const result = cleanUp(db, paths, ids);
      if (result.removed.some((item) => item.kind === 'empty-batch' || item.kind === 'missing-file')) {
        events.emit('library.changed', { entity: 'batch', projectId: null, batchId: null });
      }
      return result;
    },
  };
}
