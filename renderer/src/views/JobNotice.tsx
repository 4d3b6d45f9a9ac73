/**
 * Why a job is not moving (Loom's rate limit being waited out). Rendered, empty, for as long as the job may run, so
 * screen readers have the live region before its words arrive and announce them politely.
 */
export function JobNotice({ notice }: { notice: string | null }) {
  return (
    <p className="job-notice" role="status">
      {notice !== null && (
        <>
          <span aria-hidden="true">⚠ </span>
          {notice}
        </>
      )}
    </p>
  );
}
