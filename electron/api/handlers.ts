/** Implements the contract by calling core services. Shared by the Electron main process and the web host. */
import { mkdir } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { S2Error, toS2Error } from '../core/errors.js';
import { vectorForDisplay } from '../core/masks/vector/display.js';
import { compareMasks } from '../core/metrics/compare-service.js';
import { importModelFile, listModels } from '../core/models/catalog.js';
import { sampleProductPath } from '../core/sample/path.js';
import { discoverProducts } from '../core/scene/index.js';
import type { DiscoveryEntry } from '../core/scene/types.js';
import { SettingsStore, defaultSettingsPath } from '../core/settings.js';
import { TileService } from '../core/tiles/index.js';
import { placeName } from '../core/tiles/place.js';
import { BatchController } from './batch-controller.js';
import type {
  AppInfo,
  InvokeArgs,
  InvokeChannel,
  InvokeChannels,
  InvokeResponse,
  InvokeResult,
  RunRequest,
} from './contract.js';
import { mapSceneDto, maskRef, modelDto, vectorLayerDto } from './dto.js';
import { EventHub } from './events.js';
import { listDirectory } from './fs-list.js';
import { LabelsApi } from './labels.js';
import { RunRegistry } from './runs.js';

export type Handlers = { [C in InvokeChannel]: (args: InvokeArgs<C>) => Promise<InvokeResult<C>> };

/** Everything the handlers hold between calls; the shells reach the tiles and events through it. */
export interface ApiContext {
  handlers: Handlers;
  events: EventHub;
  tiles: TileService;
  /** Stops runs and batches and releases the tile service (window closed, server stopped). */
  dispose(): Promise<void>;
}

export interface ApiOptions {
  app: Omit<AppInfo, 'platform' | 'tileBase' | 'home' | 'sample'>;
  tileBase: string;
  /** Settings file; default the user's config folder. */
  settingsPath?: string;
}

export function createApi(opts: ApiOptions): ApiContext {
  const events = new EventHub();
  const tiles = new TileService();
  const runs = new RunRegistry(events);
  const settingsPath = opts.settingsPath ?? defaultSettingsPath();
  const settings = new SettingsStore(settingsPath);
  // Labels live beside the settings: the app's per-user data folder.
  const labels = new LabelsApi(tiles, { dataDir: dirname(settingsPath) });
  const batches = new BatchController(events);

  const handlers: Handlers = {
    'app.info': async () => ({
      ...opts.app,
      platform: process.platform,
      tileBase: opts.tileBase,
      home: homedir(),
      sample: existingSample(),
    }),
    'scene.open': async ({ path, granule }) => {
      const info = await tiles.openScene(path, granule);
      const entry: DiscoveryEntry = { path, ok: true, ...tiles.sceneProduct(info.sceneId) };
      return { entry, map: mapSceneDto(info) };
    },
    'scene.close': async ({ sceneId }) => {
      await tiles.closeScene(sceneId);
      return null;
    },
    'scene.discover': async ({ folder }) => discoverProducts(folder),
    'map.stretch': async ({ sceneId, bands }) => tiles.stretch(sceneId, bands),
    'map.addMask': async ({ sceneId, source }) => {
      const layer = await tiles.addMaskLayer(sceneId, source);
      if (layer.overlapsScene) return layer;
      // A mask of another place would be an invisible layer: refuse it, and say where it lies.
      await tiles.removeMaskLayer(layer.layerId);
      const scene = tiles.sceneInfo(sceneId);
      throw new S2Error(
        'INVALID_ARGUMENT',
        `${layer.name} does not overlap ${scene.productName}: the mask lies near ${placeName(layer.bounds)}, the scene (tile ${scene.tileId}) near ${placeName(scene.bounds)}.`,
        { file: layer.path ?? layer.file, details: { maskBounds: layer.bounds, sceneBounds: scene.bounds } },
      );
    },
    'map.inspect': async ({ sceneId, lon, lat }) => tiles.inspect(sceneId, lon, lat),
    'map.addVector': async ({ path }) => {
      if (typeof path !== 'string' || !path)
        throw new S2Error('INVALID_ARGUMENT', 'Choose a vector file or folder.');
      return vectorLayerDto(path, await vectorForDisplay(path));
    },
    'fs.list': async ({ path }) => listDirectory(path),
    'models.list': async () => (await listModels()).map(modelDto),
    'models.import': async ({ onnxPath, cardPath }) =>
      modelDto(await importModelFile(onnxPath, cardPath ? { cardPath } : {})),
    'run.start': async (req) => runs.start(await withSampleOutDir(req)),
    'run.cancel': async ({ runId }) => {
      runs.cancel(runId);
      return null;
    },
    'metrics.compute': async (req) => {
      if (!Array.isArray(req.masks)) throw new S2Error('INVALID_ARGUMENT', 'Choose the masks to compare.');
      const out = await compareMasks({
        ...(req.reference ? { reference: maskRef(req.reference) } : {}),
        masks: req.masks.map(maskRef),
        // The product adds its own masks (SCL, MSK_CLASSI) to the comparison.
        ...(req.product && req.productMasks ? { product: req.product } : {}),
        binary: req.binary === true,
      });
      return {
        report: out.report,
        csv: out.csv,
        json: out.json,
        html: out.html,
        warnings: out.warnings,
      };
    },
    'batch.plan': async (o) => batches.plan(o),
    'batch.start': async (o) => batches.start(o),
    'batch.pause': async () => {
      batches.pause();
      return null;
    },
    'batch.resume': async () => {
      batches.resume();
      return null;
    },
    'batch.cancel': async ({ sceneId }) => {
      batches.cancel(sceneId);
      return null;
    },
    'batch.status': async () => batches.status(),
    'settings.get': async () => settings.load(),
    'settings.update': async ({ patch, recent }) => {
      if (recent) await settings.addRecent(recent.path, recent.name);
      if (patch.layout) await settings.setLayout(patch.layout);
      const { lastOutDir, lastModel } = patch;
      if (lastOutDir !== undefined || lastModel !== undefined) {
        await settings.update({
          ...(lastOutDir !== undefined ? { lastOutDir } : {}),
          ...(lastModel !== undefined ? { lastModel } : {}),
        });
      }
      return settings.load();
    },
    'labels.load': async ({ sceneId, file }) => labels.load(sceneId, file),
    'labels.add': async ({ sceneId, label }) => labels.add(sceneId, label),
    'labels.undo': async ({ sceneId }) => labels.undo(sceneId),
    'labels.redo': async ({ sceneId }) => labels.redo(sceneId),
    'labels.suggest': async ({ sceneId, modelId, count }) => labels.suggest(sceneId, modelId, count),
    'labels.teach': async ({ sceneId, name, modelId }) => labels.teach(sceneId, name, modelId),
  };

  tiles.onTileFailure((f) => events.emit('tiles.failed', f));

  return {
    handlers,
    events,
    tiles,
    dispose: async () => {
      runs.cancelAll();
      batches.cancel();
      await tiles.close();
    },
  };
}

/** The embedded sample product, when this installation carries it. */
function existingSample(): string | null {
  try {
    return sampleProductPath();
  } catch {
    return null;
  }
}

/**
 * "Next to the product" is no place for the sample's outputs: inside the checkout they would
 * litter the repository, and a packaged app's resources are read-only. They go to a temporary
 * folder instead (the run panel shows where).
 */
async function withSampleOutDir(req: RunRequest): Promise<RunRequest> {
  const sample = existingSample();
  if (req.outDir || !sample || typeof req.product !== 'string' || resolve(req.product) !== resolve(sample))
    return req;
  const outDir = join(tmpdir(), 's2cloud-sample-output');
  await mkdir(outDir, { recursive: true });
  return { ...req, outDir };
}

/** Runs one invoke and turns any failure into data the other side can show in words. */
export async function dispatch<C extends InvokeChannel>(
  handlers: Handlers,
  channel: C,
  args: unknown,
): Promise<InvokeResponse<C>> {
  try {
    if (args === null || typeof args !== 'object') {
      throw new S2Error('INVALID_ARGUMENT', `The arguments of ${channel} must be an object.`);
    }
    const handler = handlers[channel] as (a: InvokeChannels[C]['args']) => Promise<InvokeResult<C>>;
    return { ok: true, result: await handler(args as InvokeChannels[C]['args']) };
  } catch (err) {
    return { ok: false, error: toS2Error(err).toJSON() };
  }
}
