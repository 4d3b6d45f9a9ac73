import type { Settings } from '../../shared/settings-contract';
import type { LoomSettings } from '../loom/loom-api';
import type { SecretStore } from './secret-store';

/**
 * The Loom settings for a request made now. `base` holds what the process was started with (LOOM_BASE_URL, and
 * LOOM_API_KEY, which wins); otherwise the key saved in the app is used. Asked at each Loom job and import, so a key
 * saved or cleared in Settings applies to the next one without a restart.
 */
export function loomSettingsNow(base: LoomSettings, secrets: SecretStore): LoomSettings {
  if (base.apiKey) return base;
  const saved = secrets.read('loom-api-key');
  return saved.state === 'saved' ? { ...base, apiKey: saved.value } : base;
}

/** What the settings dialog shows: where the key comes from, never the key. */
export function describeSettings(base: LoomSettings, secrets: SecretStore): Settings {
  const reason = secrets.unavailableReason();
  const saved = secrets.read('loom-api-key');
  return {
    secretStorage: { available: reason === null, reason },
    loom: {
      apiKeySource: base.apiKey ? 'environment' : saved.state === 'saved' ? 'saved' : 'none',
      savedKey: saved.state,
      baseUrl: base.baseUrl,
    },
  };
}
