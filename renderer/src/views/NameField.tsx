import { useId } from 'react';
import { nameLength } from '../../../shared/names';

interface NameFieldProps {
  label: string;
  value: string;
  /** The contract's limit for this kind of name. */
  max: number;
  invalid?: boolean;
  onChange(value: string): void;
}

/**
 * A name with its limit in view: the box never cuts what is typed or pasted (a cut name would be refused later
 * without a word of why); the counter says how long it is and, past the limit, by how much to shorten it.
 */
export function NameField({ label, value, max, invalid = false, onChange }: NameFieldProps) {
  const id = useId();
  const length = nameLength(value);
  const over = length > max;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} value={value} aria-invalid={invalid || over} aria-describedby={`${id}-count`} onChange={(event) => onChange(event.target.value)} />
      <span id={`${id}-count`} className={`name-count ${over ? 'field-error' : 'field-hint'}`} aria-live="polite">
        {over ? `${length} characters: at most ${max}. Shorten it by ${length - max}.` : `${length} / ${max} characters`}
      </span>
    </div>
  );
}
