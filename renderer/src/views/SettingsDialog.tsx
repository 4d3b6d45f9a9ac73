import { useEffect, useId, useState } from 'react';
import { toAppError } from '../../../shared/errors';
import { loomApiKeySchema, type MediaTool, type Settings } from '../../../shared/settings-contract';
import { call } from '../api';
import { AlertRulesFields } from '../monitoring/AlertRulesFields';
import { Dialog } from './Dialog';

/** Where the Loom key comes from, in words; the host never tells the page the key itself. */
function describeLoomKey({ loom }: Settings): string {
  const unreadable = 'A key is saved here, but this computer cannot decrypt it: it was saved on another computer or user account.';
  if (loom.apiKeySource === 'environment') {
    const saved = loom.savedKey === 'saved' ? ' It takes precedence over the key saved here.' : loom.savedKey === 'unreadable' ? ` ${unreadable}` : '';
    return `Stillframe sends the key set in the LOOM_API_KEY environment variable.${saved}`;
  }
  if (loom.apiKeySource === 'saved') return 'A Loom API key is saved, encrypted by this computer’s keychain, and sent with every Loom request.';
  if (loom.savedKey === 'unreadable') return `${unreadable} Enter it again, or clear it.`;
  return 'No Loom API key is set. Public Loom videos import without one.';
}

const toolSources: Record<NonNullable<MediaTool['source']>, (tool: MediaTool) => string> = {
  environment: (tool) => `set by the ${tool.envVar} environment variable`,
  bundled: () => 'the copy bundled with Stillframe',
  path: (tool) => `found on the PATH (the bundled copy is not installed, and ${tool.envVar} is not set)`,
};

/** The FFmpeg and ffprobe Stillframe runs: which files, their versions, and where they came from. */
function MediaTools() {
  const [tools, setTools] = useState<MediaTool[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    call('settings.mediaTools', {}).then(setTools, (caught: unknown) => setError(toAppError(caught).message));
  }, []);
  return (
    <fieldset>
      <legend>FFmpeg</legend>
      {error && <p className="field-error">{error}</p>}
      {!tools && !error && <p className="field-hint">Asking FFmpeg for its version…</p>}
      <dl className="media-tools" aria-label="Media tools in use">
        {tools?.map((tool) => (
          <div key={tool.name}>
            <dt>{tool.name}</dt>
            <dd>
              {tool.path ? (
                <>
                  <span>{tool.version ?? 'version unknown'}</span>
                  <code>{tool.path}</code>
                  <span className="field-hint">{tool.source ? toolSources[tool.source](tool) : ''}</span>
                </>
              ) : (
                <span className="field-error">Not found.</span>
              )}
              {tool.problem && <span className="field-error">{tool.problem}</span>}
            </dd>
          </div>
        ))}
      </dl>
    </fieldset>
  );
}

/** The settings as the host gave them; SettingsButton opens it. */
export function SettingsDialog({ initial, onClose }: { initial: Settings; onClose(): void }) {
  const [settings, setSettings] = useState(initial);
  const [apiKey, setApiKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const hintId = useId();
  const storable = settings.secretStorage.available;
  const parsed = loomApiKeySchema.safeParse(apiKey);
  const problem = apiKey.trim() !== '' && !parsed.success ? (parsed.error.issues[0]?.message ?? null) : null;

  const change = async (action: () => Promise<Settings>) => {
    setBusy(true);
    setError(null);
    try {
      setSettings(await action());
      setApiKey('');
    } catch (caught) {
      setError(toAppError(caught).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      title="Settings"
      submitLabel="Save key"
      cancelLabel="Close"
      error={error}
      submitDisabled={busy || !storable || !parsed.success}
      onClose={onClose}
      onSubmit={() => void change(() => call('settings.setLoomApiKey', { apiKey }))}
    >
      <MediaTools />
      <fieldset>
        <legend>Loom</legend>
        <p role="status">{describeLoomKey(settings)}</p>
        <label className="field">
          <span>Loom API key</span>
          <input
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={apiKey}
            disabled={!storable}
            placeholder={settings.loom.savedKey === 'none' ? '' : 'Paste a new key to replace the saved one'}
            aria-invalid={problem !== null}
            aria-describedby={hintId}
            onChange={(event) => setApiKey(event.target.value)}
          />
        </label>
        <p id={hintId} className={problem ? 'field-error' : 'field-hint'}>
          {problem ?? (storable ? 'Kept encrypted by this computer’s keychain; Stillframe never shows it again.' : settings.secretStorage.reason)}
        </p>
        {settings.loom.savedKey !== 'none' && (
          <button type="button" disabled={busy} onClick={() => void change(() => call('settings.clearLoomApiKey', {}))}>
            Clear saved key
          </button>
        )}
        <p className="field-hint">
          Loom address: <code>{settings.loom.baseUrl}</code>. Only the LOOM_BASE_URL environment variable changes it.
        </p>
      </fieldset>
      <AlertRulesFields />
    </Dialog>
  );
}
