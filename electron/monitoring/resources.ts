import { readdirSync, readFileSync, statfsSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Free space for this user on the disk that holds `dir`; null where the system cannot say. */
export function diskFreeBytes(dir: string): number | null {
  try {
    const stats = statfsSync(dir);
    return stats.bavail * stats.bsize;
  } catch {
    return null;
  }
}

// Linux reports process times in clock ticks of 1/100 s on every architecture it runs Stillframe on.
const ticksPerSecond = 100;

/** CPU ticks used so far by this process's FFmpeg and ffprobe children, from /proc; null off Linux. */
function ffmpegTicks(): Map<number, number> | null {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return null;
  }
  const ticks = new Map<number, number>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name is in parentheses and may hold spaces; the fields after it are fixed.
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (!name.startsWith('ff') || Number(fields[1]) !== process.pid) continue;
      ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]));
    } catch {
      // The process ended between listing and reading.
    }
  }
  return ticks;
}

export interface ResourceReading {
  cpuPercent: number;
  memoryBytes: number;
  ffmpegCpuPercent: number | null;
}

/**
 * Measures CPU as a share of the whole machine (100 % = every core busy) between one reading and the next, so
 * each reading covers the minute before it.
 */
export function resourceMeter(): () => ResourceReading {
  let lastAt = performance.now();
  let lastCpu = process.cpuUsage();
  let lastTicks = ffmpegTicks() ?? new Map<number, number>();
  const cores = availableParallelism();
  return () => {
    const at = performance.now();
    const cpu = process.cpuUsage(lastCpu);
    const wallMs = Math.max(1, at - lastAt);
    const ticks = ffmpegTicks();
    let ffmpegCpuPercent: number | null = null;
    if (ticks) {
      let used = 0;
      // A child seen for the first time counts from zero: it started within this interval.
      for (const [pid, total] of ticks) used += total - (lastTicks.get(pid) ?? 0);
      ffmpegCpuPercent = (((used / ticksPerSecond) * 1000) / wallMs / cores) * 100;
      lastTicks = ticks;
    }
    lastAt = at;
    lastCpu = process.cpuUsage();
    return {
      cpuPercent: ((cpu.user + cpu.system) / 1000 / wallMs / cores) * 100,
      memoryBytes: process.memoryUsage().rss,
      ffmpegCpuPercent,
    };
  };
}
