import type { settingsCalls } from '../../shared/settings-contract';
import { describeMediaTools } from '../media/tools-info';
import { describeSettings } from '../settings/loom-key';
import type { Services } from '../services';
import type { Handlers } from './handlers';

export type SettingsHandlers = Pick<Handlers, keyof typeof settingsCalls>;

/** The settings calls over the services; createHandlers spreads them into the contract's implementation. */
export function createSettingsHandlers(services: Services): SettingsHandlers {
  const { secrets } = services;
  const describe = () => describeSettings(services.ingestSettings.loom, secrets);
  return {
    'settings.get': describe,
    'settings.setLoomApiKey': ({ apiKey }) => {
      secrets.write('loom-api-key', apiKey);
      return describe();
    },
    'settings.clearLoomApiKey': () => {
      secrets.remove('loom-api-key');
      return describe();
    },
    'settings.mediaTools': () => describeMediaTools(),
  };
}
