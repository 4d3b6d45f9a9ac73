import { Suspense, useState } from 'react';
import type { Settings } from '../../../shared/settings-contract';
import { call } from '../api';
import { lazyView } from '../lazy-view';
import { useApp } from '../state/store';

// The dialog checks a Loom key as it is typed against the contract's schema, so it is a chunk of its own: the top bar
// is on the first screen, which loads no zod.
const settingsDialog = lazyView(async () => (await import('./SettingsDialog')).SettingsDialog);
const { View: SettingsDialog } = settingsDialog;

/** Opens the settings once the host has said what they are, so the dialog never shows a guess. */
export function SettingsButton() {
  const [settings, setSettings] = useState<Settings | null>(null);
  return (
    <>
      <button
        type="button"
        aria-haspopup="dialog"
        onPointerEnter={settingsDialog.preload}
        onFocus={settingsDialog.preload}
        onClick={() => {
          settingsDialog.preload();
          void call('settings.get', {}).then(setSettings, useApp.getState().showError);
        }}
      >
        Settings
      </button>
      {settings && (
        <Suspense fallback={null}>
          <SettingsDialog initial={settings} onClose={() => setSettings(null)} />
        </Suspense>
      )}
    </>
  );
}
