import { useEffect, useRef, useState } from 'react';
import { defaultDedupeThreshold, defaultMinSharpness, selectionSchema, type Selection } from '../../../shared/frame-selection';
import { toAppError } from '../../../shared/errors';
import type { Sampling } from '../../../shared/sampling';
import { call, hostBridge } from '../api';
import { plural } from '../format';

/** The first seconds of the first video the live count judges by: enough for a few scenes, quick to extract. */
const estimateSeconds = 20;

export interface SelectionChoice {
  /** undefined: no filter chosen. */
  selection: Selection | undefined;
  valid: boolean;
}

interface SelectionFieldsProps {
  sampling: Sampling | null;
  maxFrames: number | undefined;
  /** The first video's host path, or its File (uploaded only once a filter is chosen); null for Loom links. */
  firstVideo: { path: string } | { file: File } | null;
  onChange(choice: SelectionChoice): void;
}

function parsedSelection(values: { dedupe: string | null; sharpness: string | null; pick: string | null }): SelectionChoice {
  if (values.dedupe === null && values.sharpness === null && values.pick === null) return { selection: undefined, valid: true };
  const parsed = selectionSchema.safeParse({
    dedupe: values.dedupe === null ? null : Number(values.dedupe),
    minSharpness: values.sharpness === null ? null : Number(values.sharpness),
    pick: values.pick === null ? null : Number(values.pick),
  });
  const blank = [values.dedupe, values.sharpness, values.pick].some((value) => value !== null && value.trim() === '');
  return parsed.success && !blank ? { selection: parsed.data, valid: true } : { selection: undefined, valid: false };
}

/**
 * "Keep the frames worth labelling": near-duplicates, blurred frames and the N most diverse, with a live count of
 * what the import would keep, judged on the first seconds of the first video.
 */
export function SelectionFields({ sampling, maxFrames, firstVideo, onChange }: SelectionFieldsProps) {
  const [dedupe, setDedupe] = useState<string | null>(null);
  const [sharpness, setSharpness] = useState<string | null>(null);
  const [pick, setPick] = useState<string | null>(null);
  const [estimate, setEstimate] = useState<string | null>(null);
  const uploaded = useRef<Promise<string> | null>(null);
  // The parent makes new objects on every render; the effects run when what they describe changes (`key`).
  const latest = useRef({ onChange, firstVideo });
  latest.current = { onChange, firstVideo };
  const choice = parsedSelection({ dedupe, sharpness, pick });
  const key = JSON.stringify({ choice, sampling, maxFrames });

  useEffect(() => {
    latest.current.onChange((JSON.parse(key) as { choice: SelectionChoice }).choice);
  }, [key]);

  useEffect(() => {
    const { choice: current, sampling, maxFrames } = JSON.parse(key) as { choice: SelectionChoice; sampling: Sampling | null; maxFrames?: number };
    const { firstVideo } = latest.current;
    const selection = current.selection;
    if (!selection || !sampling || firstVideo === null) {
      setEstimate(null);
      return;
    }
    let stale = false;
    setEstimate('Counting the frames it would keep…');
    const timer = setTimeout(() => {
      const path =
        'path' in firstVideo
          ? Promise.resolve(firstVideo.path)
          : (uploaded.current ??= hostBridge().filesToPaths([firstVideo.file]).then((paths) => paths[0] ?? ''));
      void path
        .then((videoPath) => call('selection.estimate', { path: videoPath, sampling, maxFrames, selection, seconds: estimateSeconds }))
        .then(
          (result) => {
            if (stale) return;
            const name = 'path' in firstVideo ? firstVideo.path.split(/[\\/]/).pop() : firstVideo.file.name;
            setEstimate(
              `About ${result.estimatedKept.toLocaleString()} of ${plural(result.total, 'frame')} would be kept ` +
                `(judged on the first ${estimateSeconds} s of ${name}).`,
            );
          },
          (error: unknown) => !stale && setEstimate(`No count: ${toAppError(error).message}`),
        );
    }, 400);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [key]);

  const toggle = (value: string | null, set: (next: string | null) => void, fallback: string) => set(value === null ? fallback : null);

  return (
    <fieldset>
      <legend>Keep the frames worth labelling</legend>
      <label className="checkbox">
        <input type="checkbox" checked={dedupe !== null} onChange={() => toggle(dedupe, setDedupe, String(defaultDedupeThreshold))} />
        Leave out near-duplicates
      </label>
      {dedupe !== null && (
        <label className="field">
          <span>Largest change still counted as the same picture (grey levels, 0–255)</span>
          <input type="number" min="0" max="255" step="any" value={dedupe} onChange={(event) => setDedupe(event.target.value)} />
        </label>
      )}
      <label className="checkbox">
        <input type="checkbox" checked={sharpness !== null} onChange={() => toggle(sharpness, setSharpness, String(defaultMinSharpness))} />
        Leave out blurred frames
      </label>
      {sharpness !== null && (
        <label className="field">
          <span>Lowest sharpness kept</span>
          <input type="number" min="0" step="any" value={sharpness} onChange={(event) => setSharpness(event.target.value)} />
        </label>
      )}
      <label className="checkbox">
        <input type="checkbox" checked={pick !== null} onChange={() => toggle(pick, setPick, '100')} />
        Keep only the most diverse frames of each video
      </label>
      {pick !== null && (
        <label className="field">
          <span>Frames to keep per video (at least one per scene)</span>
          <input type="number" min="1" step="1" value={pick} onChange={(event) => setPick(event.target.value)} aria-invalid={!choice.valid} />
        </label>
      )}
      {!choice.valid && (
        <p className="field-error" role="alert">
          Give each chosen filter a number: a difference from 0 to 255, a sharpness of 0 or more, a whole number of frames.
        </p>
      )}
      {estimate && <p role="status">{estimate}</p>}
    </fieldset>
  );
}
