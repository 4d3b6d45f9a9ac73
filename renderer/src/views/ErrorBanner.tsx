import { useApp } from '../state/store';

/** What went wrong, in the person's words, with the technical detail one click away. */
export function ErrorBanner() {
  const error = useApp((state) => state.error);
  const dismiss = useApp((state) => state.dismissError);
  if (!error) return null;
  return (
    <div className="banner error" role="alert">
      <p>{error.message}</p>
      {error.detail && (
        <details>
          <summary>Details</summary>
          <pre>{error.detail}</pre>
        </details>
      )}
      <button type="button" onClick={dismiss} aria-label="Dismiss error">
        ✕
      </button>
    </div>
  );
}
