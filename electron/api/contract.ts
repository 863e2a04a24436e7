/**
 * THE contract between the renderer and the main process: one map of invoke channels to their
 * arguments and results, one map of events to their payloads. Used by main (IPC), preload, the
 * web host (HTTP) and the renderer, so a channel cannot drift between them.
 */
import type { S2ErrorData } from '../core/errors.js';
import type { DiscoveryEntry } from '../core/scene/types.js';

export interface AppInfo {
  name: string;
  version: string;
  /** 'electron' in the desktop app, 'web' when served by the web host. */
  shell: 'electron' | 'web';
  platform: string;
}

export interface InvokeChannels {
  'app.info': { args: Record<string, never>; result: AppInfo };
  /** Opens one product (folder, zip or MTD xml) and returns its summary. */
  'scene.open': { args: { path: string; granule?: string }; result: DiscoveryEntry };
  /** Finds every product under a folder (recursively); broken ones come with their problem. */
  'scene.discover': { args: { folder: string }; result: DiscoveryEntry[] };
}

export type InvokeChannel = keyof InvokeChannels;
export type InvokeArgs<C extends InvokeChannel> = InvokeChannels[C]['args'];
export type InvokeResult<C extends InvokeChannel> = InvokeChannels[C]['result'];

/** Results cross process boundaries as data; errors too, never as thrown exceptions. */
export type InvokeResponse<C extends InvokeChannel> =
  { ok: true; result: InvokeResult<C> } | { ok: false; error: S2ErrorData };

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- events arrive with later features
export interface EventChannels {}

export const INVOKE_CHANNELS: readonly InvokeChannel[] = ['app.info', 'scene.open', 'scene.discover'];

export function isInvokeChannel(name: string): name is InvokeChannel {
  return (INVOKE_CHANNELS as readonly string[]).includes(name);
}
