import type { Alert, AlertRule, AlertRules } from '../../shared/monitoring-contract';
import { alertRulesSchema } from '../../shared/monitoring-contract';
import { uuidv7 } from '../../shared/ids';
import { transaction, type Database, type Row } from '../library/database';
import { parseStoredError } from '../library/videos';
import { loomTroubleSql, queueLength } from './metrics';

export const defaultAlertRules: AlertRules = {
  jobFailed: { enabled: true },
  jobDead: { enabled: true },
  backlog: { enabled: true, maxVideos: 50, maxMinutes: 120 },
  diskLow: { enabled: true, minFreeGb: 2 },
  loom: { enabled: true },
};

const rulesKey = 'alert-rules';
/** How far back Loom's answers count towards its alert; the episode ends once this long passes without trouble. */
export const loomWindowMs = 5 * 60_000;

export function readAlertRules(db: Database): AlertRules {
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(rulesKey) as Row | undefined;
  if (!row) return defaultAlertRules;
  const parsed = alertRulesSchema.safeParse(JSON.parse(String(row.value)));
  return parsed.success ? parsed.data : defaultAlertRules;
}

export function writeAlertRules(db: Database, rules: AlertRules): AlertRules {
  db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(
    rulesKey,
    JSON.stringify(rules),
  );
  return rules;
}

function toAlert(row: Row): Alert {
  return {
    id: String(row.id),
    rule: String(row.rule) as AlertRule,
    raisedAt: Number(row.raised_at),
    clearedAt: row.cleared_at == null ? null : Number(row.cleared_at),
    message: String(row.message),
    advice: String(row.advice),
  };
}

export function listAlerts(db: Database): { active: Alert[]; recent: Alert[] } {
  const active = db.prepare('SELECT * FROM alerts WHERE cleared_at IS NULL ORDER BY raised_at DESC').all().map(toAlert);
  const recent = db
    .prepare('SELECT * FROM alerts WHERE cleared_at IS NOT NULL ORDER BY raised_at DESC LIMIT 50')
    .all()
    .map(toAlert);
  return { active, recent };
}

/** What the alerts are judged on that the database cannot say by itself. */
export interface AlertInputs {
  now: number;
  diskFreeBytes: number | null;
  /** Bytes the queued videos will still write (frames, thumbnails, downloads), estimated. */
  queuedNeedBytes: number;
  queueRemainingMs: number | null;
}

interface Condition {
  message: string;
  advice: string;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const gb = (bytes: number) => `${(bytes / 1e9).toFixed(1)} GB`;

function jobsIn(db: Database, status: string): Row[] {
  return db
    .prepare(`SELECT v.name, j.processing_error, j.attempts, j.max_attempts FROM jobs j JOIN videos v ON v.id = j.video_id WHERE j.status = ? ORDER BY j.updated_at DESC`)
    .all(status);
}

/** Each rule's condition now: null when it does not hold. */
function conditions(db: Database, rules: AlertRules, inputs: AlertInputs): Record<AlertRule, Condition | null> {
  const failed = rules.jobFailed.enabled ? jobsIn(db, 'failed') : [];
  const dead = rules.jobDead.enabled ? jobsIn(db, 'dead') : [];
  const firstError = (rows: Row[]) => parseStoredError(rows[0]?.processing_error)?.message ?? 'an error';
  const queue = queueLength(db).total;
  const backlogMs = rules.backlog.maxMinutes * 60_000;
  const tooMany = queue > rules.backlog.maxVideos;
  const tooLong = inputs.queueRemainingMs !== null && inputs.queueRemainingMs > backlogMs;
  const minFree = rules.diskLow.minFreeGb * 1e9;
  const free = inputs.diskFreeBytes;
  const loomTrouble = rules.loom.enabled
    ? (db
        .prepare(`SELECT COUNT(*) AS n, SUM(status = 429) AS limited FROM metric_loom_requests WHERE at >= ? AND ${loomTroubleSql}`)
        .get(inputs.now - loomWindowMs) as Row)
    : { n: 0, limited: 0 };
  return {
    'job-failed':
      failed.length === 0
        ? null
        : {
            message: `${failed.length === 1 ? `“${String(failed[0]?.name)}”` : plural(failed.length, 'video', 'videos')} failed: ${firstError(failed)}`,
            advice: 'Stillframe tries again by itself. Open the queue to read the error, or cancel the video.',
          },
    'job-dead':
      dead.length === 0
        ? null
        : {
            message: `${dead.length === 1 ? `“${String(dead[0]?.name)}”` : plural(dead.length, 'video', 'videos')} could not be processed after every retry: ${firstError(dead)}`,
            advice: 'Open the queue, read the error, then Retry or Discard it.',
          },
    backlog:
      !rules.backlog.enabled || (!tooMany && !tooLong)
        ? null
        : {
            message: tooMany
              ? `${plural(queue, 'video is', 'videos are')} waiting, more than the ${rules.backlog.maxVideos} you set.`
              : `The queue needs about ${Math.round((inputs.queueRemainingMs ?? 0) / 60_000)} minutes, more than the ${rules.backlog.maxMinutes} you set.`,
            advice: 'Let it run, pause some imports, or raise the limit in Settings.',
          },
    'disk-low':
      !rules.diskLow.enabled || free === null || (free >= minFree && free >= inputs.queuedNeedBytes)
        ? null
        : {
            message:
              free < minFree
                ? `Only ${gb(free)} is free on the library’s disk, less than the ${rules.diskLow.minFreeGb} GB you set.`
                : `The queued videos need about ${gb(inputs.queuedNeedBytes)}, more than the ${gb(free)} free on the library’s disk.`,
            advice: 'Free some space (Storage › Clean up removes what is no longer needed), or lower the limit in Settings.',
          },
    loom:
      Number(loomTrouble.n) === 0
        ? null
        : {
            message:
              Number(loomTrouble.limited) > 0
                ? 'Loom is limiting how often Stillframe may ask; Loom imports are slowed down.'
                : `Loom did not answer properly ${plural(Number(loomTrouble.n), 'time', 'times')} in the last 5 minutes.`,
            advice: 'Stillframe retries by itself. If it lasts, check the internet connection and the Loom API key in Settings.',
          },
  };
}

/**
 * Raises an alert when a rule's condition starts and clears it when the condition ends: one alert per episode, however
 * many jobs fail during it. Returns the alerts raised now.
 */
export function evaluateAlerts(db: Database, rules: AlertRules, inputs: AlertInputs): { raised: Alert[]; changed: boolean } {
  const now = conditions(db, rules, inputs);
  return transaction(db, () => {
    const open = new Map(db.prepare('SELECT * FROM alerts WHERE cleared_at IS NULL').all().map((row) => [String(row.rule), row]));
    const raised: Alert[] = [];
    let changed = false;
    for (const [rule, condition] of Object.entries(now) as [AlertRule, Condition | null][]) {
      const current = open.get(rule);
      if (condition && !current) {
        const id = uuidv7();
        db.prepare('INSERT INTO alerts (id, rule, raised_at, message, advice) VALUES (?, ?, ?, ?, ?)').run(
          id,
          rule,
          inputs.now,
          condition.message,
          condition.advice,
        );
        raised.push(toAlert(db.prepare('SELECT * FROM alerts WHERE id = ?').get(id) as Row));
        changed = true;
      } else if (!condition && current) {
        db.prepare('UPDATE alerts SET cleared_at = ? WHERE id = ?').run(inputs.now, String(current.id));
        changed = true;
      }
    }
    return { raised, changed };
  });
}
