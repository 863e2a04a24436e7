/**
 * Starts the renderer's stores for the session, in the order they need each other: the settings
 * first (the layout, and the defaults the run store takes), then the subscriptions.
 */
import { batch } from './batch.svelte';
import { layers } from './layers.svelte';
import { runs } from './runs.svelte';
import { settings } from './settings.svelte';
import { view } from './view.svelte';

export async function startStores(): Promise<void> {
  try {
    await settings.load();
    view.applyLayout(settings.current?.layout ?? {});
  } catch (err) {
    view.fail(err);
  }
  layers.init();
  runs.init();
  batch.init();
}
