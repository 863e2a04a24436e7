/**
 * THE contract between the renderer and the main process: one map of invoke channels to their
 * arguments and results, one map of events to their payloads. Used by main (IPC), preload, the
 * web host (HTTP + server-sent events) and the renderer, so a channel cannot drift between them.
 * Everything here is plain JSON: no typed arrays, no class instances.
 */
import type { S2ErrorCode, S2ErrorData } from '../core/errors.js';
import type { BatchSnapshot, SceneSummary } from '../core/batch/types.js';
import type { UiMetricsReport } from '../core/metrics/compare-service.js';
import type { DiscoveryEntry } from '../core/scene/types.js';

/** Types of core/ the renderer reads, named here so it imports the contract alone. */
export type { S2ErrorCode, S2ErrorData, SceneSummary, UiMetricsReport };

export interface AppInfo {
  name: string;
  version: string;
  /** 'electron' in the desktop app, 'web' when served by the web host. */
  shell: 'electron' | 'web';
  platform: string;
  /** Base URL of the map tiles ('s2tile://tiles/' in Electron, '/tiles/' on the web host). */
  tileBase: string;
  /** Folder the file browser starts in. */
  home: string;
  /** The small real product that ships with the app (offered on the empty screen), when present. */
  sample: string | null;
}

export type Rgb = [number, number, number];
export type Resolution = 10 | 20 | 60;

export interface MapSceneInfo {
  sceneId: string;
  productName: string;
  level: string;
  /** [west, south, east, north] in degrees. */
  bounds: [number, number, number, number];
  /** The valid-data footprint (lon/lat polygon), when the metadata has one. */
  footprint: GeoJsonPolygon | null;
  epsg: number;
  bands: string[];
  /** Percentile stretch per preset id, computed on a reduced level of the bands. */
  stretches: Record<string, { bands: [string, string, string]; min: Rgb; max: Rgb }>;
  /** The product's own masks that can be added as layers. */
  productMasks: ProductMaskId[];
  minZoom: number;
  maxZoom: number;
  /** Problems met while opening (a band file that cannot be read, a preset without its bands). */
  warnings: string[];
}

export interface GeoJsonPolygon {
  type: 'Polygon' | 'MultiPolygon';
  coordinates: unknown;
}

export type ProductMaskId = 'scl' | 'msk-classi' | 'msk-cldprb' | 'maja' | 'maja-mg2';

export interface SceneView {
  entry: DiscoveryEntry;
  map: MapSceneInfo;
}

export type MaskSourceDto =
  | { kind: 'file'; path: string; adapter?: string; name?: string }
  | { kind: 'product'; mask: ProductMaskId }
  | { kind: 'probability'; path: string; name?: string };

export interface MaskClassDto {
  id: number;
  name: string;
  colour: Rgb;
  /** Pixels of this class in the layer (0 when unknown). */
  count: number;
}

export interface MaskLayerDto {
  layerId: string;
  name: string;
  kind: 'classes' | 'probability';
  /** File the layer was read from (for metrics), when it has one. */
  path?: string;
  classes: MaskClassDto[];
  /** [west, south, east, north] in degrees. */
  bounds: [number, number, number, number];
}

export interface VectorLayerDto {
  layerId: string;
  name: string;
  path: string;
  /** Features in longitude/latitude; `properties.cls` is the schema class, -1 without one. */
  geojson: { type: 'FeatureCollection'; features: unknown[] };
  /** Classes present (id -1: features without a class), with the map colours. */
  classes: MaskClassDto[];
  bounds: [number, number, number, number] | null;
}

export interface InspectDto {
  lon: number;
  lat: number;
  easting: number;
  northing: number;
  epsg: number;
  row: number;
  col: number;
  inside: boolean;
  reflectances: Array<{ band: string; value: number | null }>;
  masks: Array<{
    layerId: string;
    name: string;
    value: number | null;
    classId: number | null;
    className: string;
  }>;
}

export interface FsEntry {
  name: string;
  path: string;
  kind: 'dir' | 'file' | 'product';
  size?: number;
}

export interface FsListing {
  path: string;
  parent: string | null;
  entries: FsEntry[];
}

export interface ModelDto {
  id: string;
  name: string;
  version: string;
  description?: string;
  bands: string[];
  resolution: number;
  classes: string[];
  licence: string;
  source: string;
  installed: boolean;
  isDefault: boolean;
  sizeBytes?: number;
  /** What runs the model: onnx, or lightgbm (s2cloudless's text model). */
  runtime?: 'onnx' | 'lightgbm';
  /** Model files found on this machine that can be installed for it (s2cloudless's Python package). */
  candidates?: string[];
}

export interface RunRequest {
  product: string;
  granule?: string;
  /** A model id, or 'fmask' for the built-in Fmask. */
  modelId: string;
  resolution?: Resolution;
  cloudOnly?: boolean;
  probabilities?: boolean;
  /** Output folder; default: next to the product (or the last output folder). */
  outDir?: string;
}

export interface RunProgressDto {
  runId: string;
  stage: string;
  fraction: number;
  etaSeconds?: number;
}

export interface RunSummaryDto {
  modelId: string;
  resolution: number;
  classesOut: string;
  probabilitiesOut?: string;
  seconds: number;
  provider: string;
  /** Shares of valid pixels, in %. */
  shares: Record<string, number>;
}

export interface RunFinishedDto {
  runId: string;
  ok: boolean;
  cancelled?: boolean;
  result?: RunSummaryDto;
  error?: S2ErrorData;
}

export interface MaskRefDto {
  path: string;
  adapter?: string;
  label?: string;
}

export interface MetricsRequest {
  reference?: MaskRefDto;
  masks: MaskRefDto[];
  /** Adds the product's own masks (SCL, MSK_CLASSI) and gives vector references a grid. */
  product?: string;
  productMasks?: boolean;
  binary?: boolean;
}

export interface MetricsResult {
  /** The comparison report, plain JSON (confusion counts as nested arrays). */
  report: UiMetricsReport;
  csv: Record<string, string>;
  json: string;
  html: string;
  warnings: string[];
}

export interface BatchOptionsDto {
  folder: string;
  outDir: string;
  modelId?: string;
  resolution?: Resolution;
  outputs?: { probabilities?: boolean; productMasks?: boolean; metrics?: boolean; fmask?: boolean };
  cloudOnly?: boolean;
  jobs?: number;
  skipExisting?: boolean;
  restart?: boolean;
}

/** The batch's full state (scenes, progress), as the batch engine reports it (plain JSON). */
export type BatchSnapshotDto = BatchSnapshot & {
  /** A failure of the whole batch (not of one scene), in words. */
  error?: string;
};

export interface SettingsDto {
  recent: Array<{ path: string; name?: string; openedAt: string }>;
  layout: Record<string, unknown>;
  lastOutDir?: string;
  lastModel?: string;
}

/** A label's class: 0 ignore, 1 clear, 2 cloud, 3 semi-transparent, 4 cloud shadow (the schema's values). */
export type LabelClass = 0 | 1 | 2 | 3 | 4;

/** A label's shape in longitude/latitude (the map's); the main process stores it in the product's CRS. */
export type LabelGeometryDto =
  | { type: 'Point'; coordinates: [number, number] }
  | { type: 'Polygon'; coordinates: Array<Array<[number, number]>> }
  /** Only in files edited elsewhere (QGIS); the app itself adds points and polygons. */
  | { type: 'MultiPoint'; coordinates: Array<[number, number]> }
  | { type: 'MultiPolygon'; coordinates: Array<Array<Array<[number, number]>>> };

export interface LabelDto {
  cls: LabelClass;
  geometry: LabelGeometryDto;
  author?: string;
  /** ISO 8601, UTC. */
  time?: string;
}

/** The labels of the open product, as stored in its GeoPackage. */
export interface LabelSetDto {
  sceneId: string;
  /** The GeoPackage the labels are written to (chosen by the main process). */
  file: string;
  /** The product's CRS, in which the file stores them. */
  epsg: number;
  labels: LabelDto[];
  canUndo: boolean;
  canRedo: boolean;
}

export interface SuggestionDto {
  /** 1 = most uncertain. */
  rank: number;
  lon: number;
  lat: number;
  /** 0..1 and what made it: 'probability', 'edge', 'disagreement'. */
  score: number;
  reasons: string[];
  /** Cloud (1) or not (0) in the current mask, in Fmask and in the product's mask (null: not compared). */
  mask: number;
  fmask: number | null;
  productMask: number | null;
}

export interface SuggestResultDto {
  modelId: string;
  /** The masks the current one was compared with. */
  compared: string[];
  notes: string[];
  places: SuggestionDto[];
  seconds: number;
}

export interface TeachScoreDto {
  labels: number;
  pixels: number;
  accuracy: number;
  cloudF1: number;
  cloudPrecision: number;
  cloudRecall: number;
}

export interface TeachResultDto {
  /** The new model's id, `<base>-taught-<name>`. */
  modelId: string;
  accepted: boolean;
  verdict: string;
  /** The prior's strength chosen (null: the default's coefficients were kept by cross-validation). */
  lambda: number | null;
  labels: { total: number; used: number; fitted: number; heldOut: number };
  before: TeachScoreDto;
  after: TeachScoreDto;
  /** After minus before on the held-out labels, with its 95 % bootstrap interval. */
  difference: { accuracy: number; low: number; high: number };
  resolution: number;
  seconds: number;
}

export interface InvokeChannels {
  'app.info': { args: Record<string, never>; result: AppInfo };
  /** Opens one product (folder, zip or MTD xml) for the map and returns its summary. */
  'scene.open': { args: { path: string; granule?: string }; result: SceneView };
  'scene.close': { args: { sceneId: string }; result: null };
  /** Finds every product under a folder (recursively); broken ones come with their problem. */
  'scene.discover': { args: { folder: string }; result: DiscoveryEntry[] };
  'map.stretch': {
    args: { sceneId: string; bands: [string, string, string] };
    result: { min: Rgb; max: Rgb };
  };
  'map.addMask': { args: { sceneId: string; source: MaskSourceDto }; result: MaskLayerDto };
  'map.inspect': { args: { sceneId: string; lon: number; lat: number }; result: InspectDto };
  /** A vector reference (GeoJSON, Shapefile, GeoPackage, or a folder of ALCD shapefiles) to draw. */
  'map.addVector': { args: { path: string }; result: VectorLayerDto };
  'fs.list': { args: { path?: string }; result: FsListing };
  'models.list': { args: Record<string, never>; result: ModelDto[] };
  'models.import': { args: { onnxPath: string; cardPath?: string }; result: ModelDto };
  'run.start': { args: RunRequest; result: { runId: string } };
  'run.cancel': { args: { runId: string }; result: null };
  'metrics.compute': { args: MetricsRequest; result: MetricsResult };
  'batch.plan': { args: BatchOptionsDto; result: BatchSnapshotDto };
  'batch.start': { args: BatchOptionsDto; result: BatchSnapshotDto };
  'batch.pause': { args: Record<string, never>; result: null };
  'batch.resume': { args: Record<string, never>; result: null };
  'batch.cancel': { args: { sceneId?: string }; result: null };
  'batch.status': { args: Record<string, never>; result: BatchSnapshotDto | null };
  'settings.get': { args: Record<string, never>; result: SettingsDto };
  'settings.update': {
    args: { patch: Partial<SettingsDto>; recent?: { path: string; name?: string } };
    result: SettingsDto;
  };
  /**
   * The labels of the open product (read from its file when there is one). `file`: a .gpkg the
   * user chose to keep them in instead of the app's data folder (read when it exists).
   */
  'labels.load': { args: { sceneId: string; file?: string }; result: LabelSetDto };
  /** Adds one label and writes the file at once (atomically). */
  'labels.add': { args: { sceneId: string; label: LabelDto }; result: LabelSetDto };
  'labels.undo': { args: { sceneId: string }; result: LabelSetDto };
  'labels.redo': { args: { sceneId: string }; result: LabelSetDto };
  /** Where the current mask (of `modelId`, default the app's default) is most likely wrong. */
  'labels.suggest': { args: { sceneId: string; modelId?: string; count?: number }; result: SuggestResultDto };
  /** Refits the fused decision of `modelId` (default the app's default) on the product's labels. */
  'labels.teach': { args: { sceneId: string; name: string; modelId?: string }; result: TeachResultDto };
}

export type InvokeChannel = keyof InvokeChannels;
export type InvokeArgs<C extends InvokeChannel> = InvokeChannels[C]['args'];
export type InvokeResult<C extends InvokeChannel> = InvokeChannels[C]['result'];

/** Results cross process boundaries as data; errors too, never as thrown exceptions. */
export type InvokeResponse<C extends InvokeChannel> =
  { ok: true; result: InvokeResult<C> } | { ok: false; error: S2ErrorData };

/** A map tile that could not be drawn, sent once per layer and reason (not once per tile). */
export interface TileFailureDto {
  /** The scene or mask layer whose tiles fail. */
  layer: string;
  message: string;
}

/** Events pushed from the main process to the renderer. */
export interface EventChannels {
  'tiles.failed': TileFailureDto;
  'run.progress': RunProgressDto;
  'run.finished': RunFinishedDto;
  'batch.progress': BatchSnapshotDto;
}

export type EventChannel = keyof EventChannels;
export interface EventMessage<E extends EventChannel = EventChannel> {
  name: E;
  payload: EventChannels[E];
}

/** Every invoke channel, once: one missing here (or not in InvokeChannels) fails the typecheck. */
const CHANNELS: Record<InvokeChannel, true> = {
  'app.info': true,
  'scene.open': true,
  'scene.close': true,
  'scene.discover': true,
  'map.stretch': true,
  'map.addMask': true,
  'map.inspect': true,
  'map.addVector': true,
  'fs.list': true,
  'models.list': true,
  'models.import': true,
  'run.start': true,
  'run.cancel': true,
  'metrics.compute': true,
  'batch.plan': true,
  'batch.start': true,
  'batch.pause': true,
  'batch.resume': true,
  'batch.cancel': true,
  'batch.status': true,
  'settings.get': true,
  'settings.update': true,
  'labels.load': true,
  'labels.add': true,
  'labels.undo': true,
  'labels.redo': true,
  'labels.suggest': true,
  'labels.teach': true,
};

export const INVOKE_CHANNELS: readonly InvokeChannel[] = Object.keys(CHANNELS) as InvokeChannel[];

export function isInvokeChannel(name: string): name is InvokeChannel {
  return (INVOKE_CHANNELS as readonly string[]).includes(name);
}
