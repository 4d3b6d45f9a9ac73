import { useEffect, useId, useRef, type FormEvent, type ReactNode } from 'react';

interface DialogProps {
  title: string;
  children: ReactNode;
  onClose(): void;
  onSubmit(): void;
  submitLabel: string;
  /** For a dialog whose changes apply at once, where leaving cancels nothing: "Close"; null for a notice whose one button is the submit. */
  cancelLabel?: string | null;
  submitDisabled?: boolean;
  danger?: boolean;
  /** What went wrong with the last submit, in the person's words; announced, and read as the dialog's description. */
  error?: string | null;
}

/** A modal form: labelled for screen readers, Esc closes it, focus starts on the first field and stays inside. */
export function Dialog({ title, children, onClose, onSubmit, submitLabel, cancelLabel = 'Cancel', submitDisabled, danger, error }: DialogProps) {
  const titleId = useId();
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    dialog.showModal();
    const first = dialog.querySelector<HTMLElement>('input, select, textarea, button[type=submit]');
    first?.focus();
    return () => dialog.close();
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!submitDisabled) onSubmit();
  };

  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      aria-describedby={error ? `${titleId}-error` : undefined}
      className="dialog"
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <form onSubmit={submit}>
        <h2 id={titleId}>{title}</h2>
        {children}
        {error && (
          <p id={`${titleId}-error`} className="field-error" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          {cancelLabel !== null && (
            <button type="button" onClick={onClose}>
              {cancelLabel}
            </button>
          )}
          <button type="submit" className={danger ? 'danger' : 'primary'} disabled={submitDisabled}>
            {submitLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
