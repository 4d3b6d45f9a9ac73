import { useEffect, useState } from 'react';
import type { Estimate } from '../../../shared/monitoring-contract';
import type { Sampling } from '../../../shared/sampling';
import { call } from '../api';
import { formatDuration } from '../format';

/** Before an import starts: how long it should take, from this library's history of similar videos. */
export function ImportEstimate({ sizes, paths, sampling }: { sizes: number[]; paths: string[]; sampling: Sampling | null }) {
  const [estimate, setEstimate] = useState<Estimate | null>(null);
  const key = `${sizes.join(',')}|${paths.join('\n')}|${JSON.stringify(sampling)}`;
  useEffect(() => {
    if (!sampling || sizes.length + paths.length === 0) return;
    let current = true;
    call('monitoring.estimate', { videos: sizes.map((sizeBytes) => ({ sizeBytes })), paths, sampling }).then(
      (answer) => current && setEstimate(answer),
      () => current && setEstimate(null),
    );
    return () => {
      current = false;
    };
    // The key stands for the arrays, which are new objects at every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  if (!estimate || estimate.ms === null) return null;
  return (
    <p className="job-meta" role="note">
      Estimated time: about {formatDuration(Math.max(1000, estimate.ms))}. {estimate.basis}
    </p>
  );
}
