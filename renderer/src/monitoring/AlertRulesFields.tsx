import { useEffect, useRef, useState } from 'react';
import { toAppError } from '../../../shared/errors';
import type { AlertRules } from '../../../shared/monitoring-contract';
import { call } from '../api';

/** The alert rules and their thresholds, for the Settings dialog; saved as soon as a value changes. */
export function AlertRulesFields() {
  const [rules, setRules] = useState<AlertRules | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const typing = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    call('monitoring.rules', {}).then(setRules, (error: unknown) => setMessage(toAppError(error).message));
    return () => {
      if (typing.current) clearTimeout(typing.current);
    };
  }, []);
  if (!rules) return message ? <p role="alert">{message}</p> : null;

  const send = (next: AlertRules) =>
    call('monitoring.setRules', next).then(
      (saved) => {
        setRules(saved);
        setMessage('Alert rules saved.');
      },
      (error: unknown) => setMessage(toAppError(error).message),
    );
  // A threshold is saved once the person pauses typing: each keystroke of "250" would otherwise judge 2 and 25 too,
  // raising and clearing alerts on the way.
  const save = (next: AlertRules, waitMs = 0) => {
    setRules(next);
    if (typing.current) clearTimeout(typing.current);
    typing.current = setTimeout(() => void send(next), waitMs);
  };
  const number = (value: string, fallback: number) => (value.trim() === '' || !Number.isFinite(Number(value)) ? fallback : Number(value));

  return (
    <fieldset className="alert-rules">
      <legend>Alerts</legend>
      <label className="check">
        <input type="checkbox" checked={rules.jobFailed.enabled} onChange={(e) => save({ ...rules, jobFailed: { enabled: e.target.checked } })} />
        A video failed and is being retried
      </label>
      <label className="check">
        <input type="checkbox" checked={rules.jobDead.enabled} onChange={(e) => save({ ...rules, jobDead: { enabled: e.target.checked } })} />
        A video could not be processed after every retry
      </label>
      <label className="check">
        <input type="checkbox" checked={rules.backlog.enabled} onChange={(e) => save({ ...rules, backlog: { ...rules.backlog, enabled: e.target.checked } })} />
        The queue is long
      </label>
      <div className="rule-thresholds">
        <label>
          More than
          <input type="number" min={1} value={rules.backlog.maxVideos} aria-label="Backlog: most videos waiting"
            onChange={(e) => save({ ...rules, backlog: { ...rules.backlog, maxVideos: Math.max(1, Math.round(number(e.target.value, rules.backlog.maxVideos))) } }, 600)} />
          videos, or more than
          <input type="number" min={1} value={rules.backlog.maxMinutes} aria-label="Backlog: most minutes of work queued"
            onChange={(e) => save({ ...rules, backlog: { ...rules.backlog, maxMinutes: Math.max(1, number(e.target.value, rules.backlog.maxMinutes)) } }, 600)} />
          minutes of work
        </label>
      </div>
      <label className="check">
        <input type="checkbox" checked={rules.diskLow.enabled} onChange={(e) => save({ ...rules, diskLow: { ...rules.diskLow, enabled: e.target.checked } })} />
        The library’s disk is running out of space
      </label>
      <div className="rule-thresholds">
        <label>
          Less than
          <input type="number" min={0} step={0.5} value={rules.diskLow.minFreeGb} aria-label="Disk: least free space in GB"
            onChange={(e) => save({ ...rules, diskLow: { ...rules.diskLow, minFreeGb: Math.max(0, number(e.target.value, rules.diskLow.minFreeGb)) } }, 600)} />
          GB free, or less than the queued videos need
        </label>
      </div>
      <label className="check">
        <input type="checkbox" checked={rules.loom.enabled} onChange={(e) => save({ ...rules, loom: { enabled: e.target.checked } })} />
        Loom errors or rate limits
      </label>
      {message && <p role="status" className="job-meta">{message}</p>}
    </fieldset>
  );
}
