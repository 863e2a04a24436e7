import { readFile, rename } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';

/**
 * What the app remembers between runs: recent products, the window/panel layout, the last
 * output folder and the last model. One small JSON file; the caller picks its path (Electron:
 * `join(app.getPath('userData'), 'settings.json')`; the web host: defaultSettingsPath()).
 */
export interface Settings {
  version: 1;
  /** Most recent first, at most MAX_RECENT, one entry per path. */
  recentProducts: RecentProduct[];
  /** The renderer's layout (panels, sizes, map view...): opaque JSON, at most MAX_LAYOUT_BYTES. */
  layout: JsonValue | null;
  lastOutputFolder: string | null;
  /** A model id (a native-models card id). */
  lastModel: string | null;
}

export interface RecentProduct {
  /** The .SAFE folder, zip or metadata file the product was opened from. */
  path: string;
  /** What the UI shows (product name); defaults to the path's last part. */
  name: string;
  /** ISO 8601 time it was last opened. */
  openedAt: string;
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export const MAX_RECENT = 10;
export const MAX_LAYOUT_BYTES = 64 * 1024;
const MAX_STRING = 4096;

export function defaultSettings(): Settings {
  return { version: 1, recentProducts: [], layout: null, lastOutputFolder: null, lastModel: null };
}

/** ~/.config/s2-cloud-studio/settings.json (or $XDG_CONFIG_HOME/...): the web host's store. */
export function defaultSettingsPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME ? resolve(env.XDG_CONFIG_HOME) : join(homedir(), '.config');
  return join(base, 's2-cloud-studio', 'settings.json');
}

/** Why a value is not valid settings, or undefined when it is. */
export function settingsProblem(value: unknown): string | undefined {
  if (!isObject(value)) return 'not a JSON object';
  if (value.version !== 1) return `unknown version ${JSON.stringify(value.version)}`;
  const rp = value.recentProducts;
  if (!Array.isArray(rp)) return 'recentProducts is not a list';
  if (rp.length > MAX_RECENT) return `recentProducts has ${rp.length} entries (max ${MAX_RECENT})`;
  for (const [i, r] of rp.entries()) {
    if (
      !isObject(r) ||
      !isShortString(r.path) ||
      !r.path ||
      !isShortString(r.name) ||
      !isShortString(r.openedAt)
    ) {
      return `recentProducts[${i}] is not { path, name, openedAt }`;
    }
    if (Number.isNaN(Date.parse(r.openedAt))) return `recentProducts[${i}].openedAt is not a date`;
  }
  if (!('layout' in value)) return 'layout is missing';
  if (value.layout !== null && layoutBytes(value.layout) > MAX_LAYOUT_BYTES) {
    return `layout is larger than ${MAX_LAYOUT_BYTES} bytes`;
  }
  for (const key of ['lastOutputFolder', 'lastModel'] as const) {
    if (value[key] !== null && !isShortString(value[key])) return `${key} is not a string or null`;
  }
  return undefined;
}

export interface LoadResult {
  settings: Settings;
  /** Set when the file was unreadable or invalid: what was wrong and where it was moved. */
  warning?: string;
  /** Where a bad file was moved (settings.json.bad-<timestamp>). */
  movedTo?: string;
}

/**
 * Reads the settings. A missing file gives the defaults. A file that is not valid JSON or does
 * not match the schema is moved aside as `<path>.bad-<timestamp>` (kept for the user, never
 * overwritten) and the defaults are used, with a warning (also passed to `warn`).
 */
export async function loadSettings(
  path: string,
  warn: (message: string) => void = (m): void => console.warn(m),
): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { settings: defaultSettings() };
    throw err;
  }
  let problem: string | undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
    problem = settingsProblem(parsed);
  } catch (err) {
    problem = `not valid JSON (${err instanceof Error ? err.message : String(err)})`;
  }
  if (!problem) return { settings: normalise(parsed as Settings) };
  const movedTo = `${path}.bad-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  await rename(path, movedTo);
  const warning = `Settings file ${path} is ${problem}; moved it to ${basename(movedTo)} and started from the defaults.`;
  warn(warning);
  return { settings: defaultSettings(), warning, movedTo };
}

/** Writes the settings atomically (a temporary file renamed over the old one). */
export async function saveSettings(path: string, settings: Settings): Promise<void> {
  const problem = settingsProblem(settings);
  if (problem) throw new Error(`Not saving invalid settings: ${problem}.`);
  await writeFileAtomic(path, `${JSON.stringify(settings, null, 2)}\n`);
}

/** `settings` with `product` first in the recent list (deduplicated by path, capped at MAX_RECENT). */
export function withRecentProduct(
  settings: Settings,
  product: { path: string; name?: string; openedAt?: Date | string },
): Settings {
  const path = product.path;
  if (!isShortString(path) || !path) throw new Error('A recent product needs a path.');
  const opened = product.openedAt ?? new Date();
  const entry: RecentProduct = {
    path,
    name: product.name ?? (basename(path.replace(/[\\/]+$/, '')) || path),
    openedAt: typeof opened === 'string' ? opened : opened.toISOString(),
  };
  const rest = settings.recentProducts.filter((r) => r.path !== path);
  return { ...settings, recentProducts: [entry, ...rest].slice(0, MAX_RECENT) };
}

/** `settings` without the recent product at `path` (e.g. one that no longer exists). */
export function withoutRecentProduct(settings: Settings, path: string): Settings {
  return { ...settings, recentProducts: settings.recentProducts.filter((r) => r.path !== path) };
}

/** `settings` with a new layout; throws when it is not JSON or larger than MAX_LAYOUT_BYTES. */
export function withLayout(settings: Settings, layout: unknown): Settings {
  const bytes = layoutBytes(layout);
  if (bytes > MAX_LAYOUT_BYTES) {
    throw new Error(`The layout is ${bytes} bytes as JSON; the limit is ${MAX_LAYOUT_BYTES}.`);
  }
  return { ...settings, layout: JSON.parse(JSON.stringify(layout ?? null)) as JsonValue };
}

export function withLastOutputFolder(settings: Settings, folder: string | null): Settings {
  return { ...settings, lastOutputFolder: folder };
}

export function withLastModel(settings: Settings, modelId: string | null): Settings {
  return { ...settings, lastModel: modelId };
}

/** `<userData>/settings.json`: the Electron app's settings file (pass app.getPath('userData')). */
export function settingsPathIn(dir: string): string {
  return join(dir, 'settings.json');
}

/** The settings as the UI sees them (the shape of the API's SettingsDto). */
export interface SettingsView {
  recent: RecentProduct[];
  layout: Record<string, unknown>;
  lastOutDir?: string;
  lastModel?: string;
}

/** What the UI sees of `s`: an object layout ({} when none), absent fields for unset values. */
export function settingsView(s: Settings): SettingsView {
  const layout =
    s.layout !== null && typeof s.layout === 'object' && !Array.isArray(s.layout)
      ? (JSON.parse(JSON.stringify(s.layout)) as Record<string, unknown>)
      : {};
  return {
    recent: s.recentProducts.map((r) => ({ ...r })),
    layout,
    ...(s.lastOutputFolder !== null ? { lastOutDir: s.lastOutputFolder } : {}),
    ...(s.lastModel !== null ? { lastModel: s.lastModel } : {}),
  };
}

/**
 * The settings file of one app (Electron: settingsPathIn(app.getPath('userData')); web host:
 * defaultSettingsPath()). Loads once (a bad file is moved aside, see loadSettings), then every
 * change is applied and saved atomically, one at a time: calls are queued, so two quick updates
 * never lose one another, and a failed change rejects only its own call.
 */
export class SettingsStore {
  private current: Promise<Settings> | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly warn?: (message: string) => void,
  ) {}

  /** The whole settings record. */
  async get(): Promise<Settings> {
    await this.queue;
    return this.read();
  }

  /** The settings as the UI sees them. */
  async load(): Promise<SettingsView> {
    return settingsView(await this.get());
  }

  /** Applies `change` to the current settings and saves the result. */
  change(change: (s: Settings) => Settings): Promise<Settings> {
    const next = this.queue.then(async () => {
      const updated = change(await this.read());
      await saveSettings(this.path, updated);
      this.current = Promise.resolve(updated);
      return updated;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Puts a product first in the recent list (deduplicated by path, at most MAX_RECENT). */
  async addRecent(path: string, name?: string): Promise<SettingsView> {
    return settingsView(await this.change((s) => withRecentProduct(s, { path, ...(name ? { name } : {}) })));
  }

  async removeRecent(path: string): Promise<SettingsView> {
    return settingsView(await this.change((s) => withoutRecentProduct(s, path)));
  }

  /** Replaces the layout (opaque JSON, at most MAX_LAYOUT_BYTES). */
  async setLayout(layout: unknown): Promise<SettingsView> {
    return settingsView(await this.change((s) => withLayout(s, layout)));
  }

  /** Sets the last output folder and/or model (null clears; absent keys are left alone). */
  async update(patch: { lastOutDir?: string | null; lastModel?: string | null }): Promise<SettingsView> {
    return settingsView(
      await this.change((s) => {
        let next = s;
        if (patch.lastOutDir !== undefined) next = withLastOutputFolder(next, patch.lastOutDir);
        if (patch.lastModel !== undefined) next = withLastModel(next, patch.lastModel);
        return next;
      }),
    );
  }

  private read(): Promise<Settings> {
    this.current ??= loadSettings(this.path, this.warn).then((r) => r.settings);
    return this.current;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isShortString(v: unknown): v is string {
  return typeof v === 'string' && v.length <= MAX_STRING;
}

function layoutBytes(layout: unknown): number {
  let text: string | undefined;
  try {
    text = JSON.stringify(layout ?? null);
  } catch {
    return Infinity; // cycles, BigInt
  }
  return text === undefined ? Infinity : Buffer.byteLength(text, 'utf8');
}

/** Drops unknown keys, so a file from a newer build cannot smuggle data through. */
function normalise(s: Settings): Settings {
  return {
    version: 1,
    recentProducts: s.recentProducts.map((r) => ({ path: r.path, name: r.name, openedAt: r.openedAt })),
    layout: s.layout,
    lastOutputFolder: s.lastOutputFolder,
    lastModel: s.lastModel,
  };
}
