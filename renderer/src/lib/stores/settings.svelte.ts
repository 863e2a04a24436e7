/**
 * What the main process says about itself (version, shell, tile base, home, sample) and the user's
 * saved settings (recent products, layout, last model and output folder). The one owner of
 * `app.info`, `settings.get` and `settings.update`: other stores save through it, so the copy the
 * panels read is always the one the main process last returned.
 */
import type { AppInfo, SettingsDto } from '../../../../electron/api/contract';
import { invoke } from '../api';

class SettingsStore {
  info = $state<AppInfo | null>(null);
  current = $state<SettingsDto | null>(null);

  /** Reads the app's info, then the settings; throws what failed (the caller shows it). */
  async load(): Promise<void> {
    this.info = await invoke('app.info', {});
    this.current = await invoke('settings.get', {});
  }

  /** Saves a patch (and a product opened, for the recent list); throws what failed. */
  async update(patch: Partial<SettingsDto>, recent?: { path: string; name?: string }): Promise<void> {
    this.current = await invoke('settings.update', { patch, ...(recent ? { recent } : {}) });
  }

  /** Saves a convenience (layout, last choices): a failure is not worth the user's attention. */
  async remember(patch: Partial<SettingsDto>): Promise<void> {
    try {
      await this.update(patch);
    } catch {
      // The next save tries again; nothing the user asked for was lost.
    }
  }
}

export const settings = new SettingsStore();
