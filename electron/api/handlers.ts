/** Implements the contract by calling core services. Shared by the Electron main process and the web host. */
import { mkdir } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BatchRun, planBatch, type BatchOptions, type BatchSnapshot } from '../core/batch/index.js';
import { S2Error, toS2Error } from '../core/errors.js';
import { compareMasks } from '../core/metrics/compare-service.js';
import { importModelFile, listModels, type ModelEntry } from '../core/models/catalog.js';
import { sampleProductPath } from '../core/sample/path.js';
import { discoverProducts } from '../core/scene/index.js';
import type { DiscoveryEntry } from '../core/scene/types.js';
import { SettingsStore, defaultSettingsPath } from '../core/settings.js';
import { TileService } from '../core/tiles/index.js';
import { MAP_CLASS_COLOURS } from '../core/tiles/palette.js';
import { placeName } from '../core/tiles/place.js';
import { vectorForDisplay } from '../core/masks/vector/display.js';
import { CLASS_NAMES, type MaskClassValue } from '../core/masks/schema.js';
import type {
  AppInfo,
  BatchOptionsDto,
  BatchSnapshotDto,
  InvokeArgs,
  InvokeChannel,
  InvokeChannels,
  InvokeResponse,
  InvokeResult,
  MapSceneInfo,
  RunRequest,
  VectorLayerDto,
  ModelDto,
} from './contract.js';
import { EventHub } from './events.js';
import { listDirectory } from './fs-list.js';
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
  const settings = new SettingsStore(opts.settingsPath ?? defaultSettingsPath());
  let batch: BatchRun | null = null;
  let lastBatch: BatchSnapshotDto | null = null;

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
      const map: MapSceneInfo = {
        sceneId: info.sceneId,
        productName: info.productName,
        level: info.level,
        bounds: info.bounds,
        footprint: info.footprint,
        epsg: info.epsg,
        bands: info.bands,
        stretches: info.stretches,
        productMasks: info.productMasks,
        minZoom: info.minZoom,
        maxZoom: info.maxZoom,
        warnings: info.warnings,
      };
      return { entry, map };
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
    'map.addVector': async ({ path }) => vectorLayer(path),
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
    'batch.plan': async (o) => snapshotDto(await planBatch(batchOptions(o))),
    'batch.start': async (o) => {
      if (batch && isActive(batch.snapshot())) {
        throw new S2Error('INVALID_ARGUMENT', 'A batch is already running: pause or cancel it first.');
      }
      const run = new BatchRun(batchOptions(o));
      batch = run;
      // The first snapshot comes once the batch is planned; a plan that is refused (a journal
      // written with other options, a folder that cannot be read) rejects `done` first instead,
      // and the caller gets the reason in words before anything starts.
      const planned = new Promise<BatchSnapshot>((resolve) => {
        const off = run.onChange((s) => {
          off();
          resolve(s);
        });
      });
      run.onChange((s) => {
        lastBatch = snapshotDto(s);
        events.emit('batch.progress', lastBatch);
      });
      const done = run.start();
      done.catch((err: unknown) => {
        // Per-scene errors are in the snapshot; this is a failure of the whole batch.
        if (lastBatch) events.emit('batch.progress', { ...lastBatch, error: toS2Error(err).message });
      });
      return snapshotDto(await Promise.race([planned, done]));
    },
    'batch.pause': async () => {
      batch?.pause();
      return null;
    },
    'batch.resume': async () => {
      batch?.resume();
      return null;
    },
    'batch.cancel': async ({ sceneId }) => {
      batch?.cancel(sceneId);
      return null;
    },
    'batch.status': async () => (batch ? snapshotDto(batch.snapshot()) : lastBatch),
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
  };

  tiles.onTileFailure((f) => events.emit('tiles.failed', f));

  return {
    handlers,
    events,
    tiles,
    dispose: async () => {
      runs.cancelAll();
      batch?.cancel();
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

let vectorCount = 0;

async function vectorLayer(path: string): Promise<VectorLayerDto> {
  if (typeof path !== 'string' || !path)
    throw new S2Error('INVALID_ARGUMENT', 'Choose a vector file or folder.');
  const layer = await vectorForDisplay(path);
  const classes = Object.entries(layer.counts)
    .map(([k, count]) => {
      const id = Number(k);
      return id < 0
        ? { id, name: 'without a class', colour: [255, 255, 255] as [number, number, number], count }
        : {
            id,
            name: CLASS_NAMES[id as MaskClassValue],
            colour: [...MAP_CLASS_COLOURS[id as MaskClassValue]] as [number, number, number],
            count,
          };
    })
    .sort((a, b) => a.id - b.id);
  return {
    layerId: `vector-${++vectorCount}`,
    name: layer.name,
    path,
    geojson: { type: 'FeatureCollection', features: layer.features },
    classes,
    bounds: layer.bounds,
  };
}

function maskRef(r: {
  path: string;
  adapter?: string;
  label?: string;
}): Parameters<typeof compareMasks>[0]['masks'][number] {
  return {
    path: r.path,
    ...(r.adapter ? { adapter: r.adapter } : {}),
    ...(r.label ? { label: r.label } : {}),
  } as Parameters<typeof compareMasks>[0]['masks'][number];
}

function modelDto(m: ModelEntry): ModelDto {
  return {
    id: m.id,
    name: m.name,
    version: m.version,
    ...(m.description ? { description: m.description } : {}),
    bands: [...m.bands],
    resolution: m.resolution,
    classes: m.classes.map((c) => c.name),
    licence: m.licence,
    source: m.source.citation ? `${m.source.citation} (${m.source.url})` : m.source.url,
    installed: m.installed,
    isDefault: m.isDefault,
    ...(m.sizeBytes !== undefined ? { sizeBytes: m.sizeBytes } : {}),
  };
}

function batchOptions(o: BatchOptionsDto): BatchOptions {
  if (!o || typeof o.folder !== 'string' || !o.folder || typeof o.outDir !== 'string' || !o.outDir) {
    throw new S2Error('INVALID_ARGUMENT', 'A batch needs a folder of products and an output folder.');
  }
  return o as BatchOptions;
}

function isActive(s: BatchSnapshot): boolean {
  return s.state === 'running' || s.state === 'paused' || s.state === 'cancelling';
}

function snapshotDto(s: BatchSnapshot): BatchSnapshotDto {
  return JSON.parse(JSON.stringify(s)) as BatchSnapshotDto;
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
