/**
 * The labelling channels (issue 16): an analyst's labels of the open product, kept per product
 * in a GeoPackage the main process places in the app's data folder (or one .gpkg the user
 * chose, checked here), written atomically after every change so a crash loses nothing; undo and redo over the
 * session's history; suggestions of where to label next; and teaching the fused decision from
 * the labels. Geometry crosses the contract in longitude/latitude and is stored in the
 * product's CRS.
 */
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { basename, dirname, extname, isAbsolute, join } from 'node:path';
import { S2Error } from '../core/errors.js';
import { readLabels, writeLabelsGpkg, type Label } from '../core/labels/index.js';
import type { MaskClassValue } from '../core/masks/schema.js';
import { crsFromEpsg } from '../core/masks/vector/crs.js';
import { makeTransform, transformGeometry, type PointTransform } from '../core/masks/vector/reproject.js';
import type { Position, VectorGeometry } from '../core/masks/vector/types.js';
import { confineOutput, outputPathIn } from '../core/outputs/index.js';
import { suggestPlaces } from '../core/suggest/index.js';
import { teach } from '../core/teach/index.js';
import type { TileService } from '../core/tiles/index.js';
import type {
  LabelDto,
  LabelGeometryDto,
  LabelSetDto,
  SuggestResultDto,
  TeachResultDto,
} from './contract.js';

/** Bounds on one label from the renderer: a brush stroke of a whole screen stays far below them. */
const MAX_VERTICES = 20_000;
const MAX_LABELS = 100_000;
/** Undo steps kept per product (each a list of references: cheap). */
const MAX_HISTORY = 200;

interface Session {
  sceneId: string;
  product: string;
  productName: string;
  file: string;
  epsg: number;
  bounds: [number, number, number, number];
  /** history[at] is the current label list; earlier entries are undo, later ones redo. */
  history: Label[][];
  at: number;
  toMap: PointTransform;
  fromMap: PointTransform;
  /** Changes run one at a time, so two quick strokes never race for the file. */
  queue: Promise<unknown>;
}

export interface LabelsApiOptions {
  /** The app's per-user data folder: label files go to `<dataDir>/labels`, the teach cache to `<dataDir>/cache`. */
  dataDir: string;
  /** Written into every label (default: the user's login name). */
  author?: string;
  /** Models folder for teach and suggest (default modelsDir()). */
  modelsRoot?: string;
}

export class LabelsApi {
  private readonly sessions = new Map<string, Session>();
  private readonly author: string;

  constructor(
    private readonly tiles: TileService,
    private readonly opts: LabelsApiOptions,
  ) {
    this.author = opts.author ?? loginName();
  }

  /** The scene's labels; with `file`, from (and from now on to) that GeoPackage instead. */
  async load(sceneId: string, file?: string): Promise<LabelSetDto> {
    if (file === undefined) return this.dto(await this.session(sceneId));
    const known = this.sessions.get(sceneId);
    if (known) await known.queue.catch(() => undefined);
    // Built first: a file that cannot be read leaves the labels where they were.
    const s = await this.build(sceneId, await chosenFile(file));
    this.sessions.set(sceneId, s);
    return this.dto(s);
  }

  async add(sceneId: string, label: LabelDto): Promise<LabelSetDto> {
    const s = await this.session(sceneId);
    const geometry = checkedGeometry(label?.geometry, s.bounds);
    const cls = checkedClass(label?.cls);
    return this.change(s, (labels) => {
      if (labels.length >= MAX_LABELS)
        throw new S2Error(
          'INVALID_ARGUMENT',
          `${s.productName} has ${MAX_LABELS} labels already: that is the limit.`,
        );
      return [
        ...labels,
        {
          geometry: transformGeometry(geometry, s.fromMap),
          cls,
          author: this.author,
          time: new Date().toISOString(),
        },
      ];
    });
  }

  async undo(sceneId: string): Promise<LabelSetDto> {
    const s = await this.session(sceneId);
    return this.step(s, -1);
  }

  async redo(sceneId: string): Promise<LabelSetDto> {
    const s = await this.session(sceneId);
    return this.step(s, +1);
  }

  async suggest(sceneId: string, modelId?: string, count?: number): Promise<SuggestResultDto> {
    const s = await this.session(sceneId);
    const n = count === undefined ? 30 : Math.round(Number(count));
    if (!Number.isFinite(n) || n < 1 || n > 500)
      throw new S2Error('INVALID_ARGUMENT', 'Ask for between 1 and 500 places.');
    const r = await suggestPlaces({
      product: s.product,
      count: n,
      cacheDir: join(this.opts.dataDir, 'cache'),
      ...(modelId ? { modelId: checkedModelId(modelId) } : {}),
      ...(this.opts.modelsRoot ? { root: this.opts.modelsRoot } : {}),
    });
    const toMap = makeTransform(crsFromEpsg(r.grid.epsg), 4326);
    return {
      modelId: r.modelId,
      compared: r.compared,
      notes: r.notes,
      seconds: r.seconds,
      places: r.suggestions.map((p) => {
        const [lon, lat] = toMap([p.x, p.y]);
        return {
          rank: p.rank,
          lon,
          lat,
          score: p.score,
          reasons: p.reasons,
          mask: p.mask,
          fmask: p.fmask,
          productMask: p.productMask,
        };
      }),
    };
  }

  async teach(sceneId: string, name: string, modelId?: string): Promise<TeachResultDto> {
    const s = await this.session(sceneId);
    if (typeof name !== 'string' || !name.trim())
      throw new S2Error('INVALID_ARGUMENT', 'Type a name for the taught model.');
    // Wait for the writes in flight: the file taught from is the one on screen.
    await s.queue.catch(() => undefined);
    if (s.history[s.at]!.length === 0 || !existsSync(s.file))
      throw new S2Error(
        'INVALID_ARGUMENT',
        `Label ${s.productName} first: there are no labels to teach from.`,
      );
    const r = await teach({
      product: s.product,
      labels: s.file,
      name,
      cacheDir: join(this.opts.dataDir, 'cache'),
      ...(modelId ? { baseModelId: checkedModelId(modelId) } : {}),
      ...(this.opts.modelsRoot ? { root: this.opts.modelsRoot } : {}),
    });
    const score = (h: typeof r.before): TeachResultDto['before'] => ({
      labels: h.labels,
      pixels: h.pixels,
      accuracy: h.accuracy,
      cloudF1: h.cloud.f1,
      cloudPrecision: h.cloud.precision,
      cloudRecall: h.cloud.recall,
    });
    return {
      modelId: r.id,
      accepted: r.accepted,
      verdict: r.verdict,
      lambda: Number.isFinite(r.lambda) ? r.lambda : null,
      labels: {
        total: r.labels.total,
        used: r.labels.used,
        fitted: r.labels.fitted,
        heldOut: r.labels.heldOut,
      },
      before: score(r.before),
      after: score(r.after),
      difference: { ...r.difference },
      resolution: r.resolution,
      seconds: r.seconds.total,
    };
  }

  /** The scene's labels: read from its file the first time (the file may hold an earlier session's). */
  private async session(sceneId: string): Promise<Session> {
    const known = this.sessions.get(sceneId);
    if (known) return known;
    const s = await this.build(sceneId);
    // Another call may have read it meanwhile: keep the first.
    const again = this.sessions.get(sceneId);
    if (again) return again;
    this.sessions.set(sceneId, s);
    return s;
  }

  /** A scene's labels, read from `chosen` or the scene's own file in the data folder. */
  private async build(sceneId: string, chosen?: string): Promise<Session> {
    if (typeof sceneId !== 'string' || !sceneId)
      throw new S2Error('INVALID_ARGUMENT', 'Open a product before labelling it.');
    // Throws in words when the scene is not open.
    const info = this.tiles.sceneInfo(sceneId);
    const stem = `${info.productName.replace(/\.SAFE$/i, '')}_T${info.tileId.replace(/^T/, '')}.labels.gpkg`;
    // The name comes from metadata: sanitised and confined to the labels folder.
    const file = chosen ?? (await outputPathIn(join(this.opts.dataDir, 'labels'), stem));
    const crs = crsFromEpsg(info.epsg);
    let labels: Label[] = [];
    if (existsSync(file)) {
      const loaded = await readLabels(file);
      const toProduct = makeTransform(loaded.crs, info.epsg, file);
      labels = loaded.labels.map((l) => ({ ...l, geometry: transformGeometry(l.geometry, toProduct) }));
    }
    return {
      sceneId,
      product: info.path,
      productName: info.productName,
      file,
      epsg: info.epsg,
      bounds: info.bounds,
      history: [labels],
      at: 0,
      toMap: makeTransform(crs, 4326),
      fromMap: makeTransform(crsFromEpsg(4326), info.epsg),
      queue: Promise.resolve(),
    };
  }

  /** Applies one change after the ones before it, writes the file, then makes it the current state. */
  private change(s: Session, next: (labels: Label[]) => Label[]): Promise<LabelSetDto> {
    const run = s.queue
      .catch(() => undefined)
      .then(async () => {
        const labels = next(s.history[s.at]!);
        await this.write(s, labels);
        s.history = [...s.history.slice(Math.max(0, s.at + 1 - MAX_HISTORY), s.at + 1), labels];
        s.at = s.history.length - 1;
        return this.dto(s);
      });
    s.queue = run;
    return run;
  }

  private step(s: Session, delta: -1 | 1): Promise<LabelSetDto> {
    const run = s.queue
      .catch(() => undefined)
      .then(async () => {
        const at = s.at + delta;
        if (at < 0 || at >= s.history.length) return this.dto(s);
        await this.write(s, s.history[at]!);
        s.at = at;
        return this.dto(s);
      });
    s.queue = run;
    return run;
  }

  private async write(s: Session, labels: Label[]): Promise<void> {
    await writeLabelsGpkg(s.file, { epsg: s.epsg, labels, product: s.productName });
  }

  private dto(s: Session): LabelSetDto {
    return {
      sceneId: s.sceneId,
      file: s.file,
      epsg: s.epsg,
      labels: s.history[s.at]!.map((l) => ({
        cls: l.cls as LabelDto['cls'],
        geometry: transformGeometry(l.geometry, s.toMap) as LabelGeometryDto,
        ...(l.author !== undefined ? { author: l.author } : {}),
        ...(l.time !== undefined ? { time: l.time } : {}),
      })),
      canUndo: s.at > 0,
      canRedo: s.at < s.history.length - 1,
    };
  }
}

/**
 * A label file the user typed or picked: an absolute .gpkg path in a folder that exists, its
 * real folder checked (confineOutput follows links), so the renderer cannot aim writes elsewhere
 * than the file named.
 */
async function chosenFile(file: unknown): Promise<string> {
  if (typeof file !== 'string' || !isAbsolute(file) || extname(file).toLowerCase() !== '.gpkg')
    throw new S2Error(
      'INVALID_ARGUMENT',
      'Labels are kept in a GeoPackage: give the full path of a .gpkg file.',
    );
  const folder = dirname(file);
  if (!existsSync(folder))
    throw new S2Error('INVALID_ARGUMENT', `${folder} does not exist: choose a folder that does.`, { file });
  return confineOutput(folder, basename(file));
}

function loginName(): string {
  try {
    return userInfo().username || 'analyst';
  } catch {
    return 'analyst';
  }
}

function checkedClass(cls: unknown): MaskClassValue {
  if (cls === 0 || cls === 1 || cls === 2 || cls === 3 || cls === 4) return cls;
  throw new S2Error(
    'INVALID_ARGUMENT',
    `A label's class is 0 (ignore), 1 clear, 2 cloud, 3 semi-transparent or 4 cloud shadow (got ${JSON.stringify(cls)}).`,
  );
}

/** Model ids are folder names in the models folder: nothing that could climb out of it. */
function checkedModelId(id: string): string {
  if (typeof id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(id))
    throw new S2Error('INVALID_ARGUMENT', `"${String(id)}" is not a model id.`);
  return id;
}

/** A point or polygon from the renderer: finite lon/lat, bounded size, on the product. */
function checkedGeometry(g: unknown, bounds: [number, number, number, number]): VectorGeometry {
  const bad = (why: string): S2Error =>
    new S2Error('INVALID_ARGUMENT', `This label cannot be stored: ${why}.`);
  const position = (p: unknown): Position => {
    if (!Array.isArray(p) || p.length !== 2) throw bad('a coordinate is not [longitude, latitude]');
    const [x, y] = p as unknown[];
    if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y))
      throw bad('a coordinate is not a number');
    if (Math.abs(x) > 180 || Math.abs(y) > 90) throw bad('a coordinate is not a longitude and latitude');
    return [x, y];
  };
  const geometry = g as { type?: unknown; coordinates?: unknown } | null;
  let out: VectorGeometry;
  if (geometry?.type === 'Point') out = { type: 'Point', coordinates: position(geometry.coordinates) };
  else if (geometry?.type === 'Polygon' && Array.isArray(geometry.coordinates)) {
    const rings = geometry.coordinates as unknown[];
    if (rings.length === 0 || rings.length > 1000) throw bad('a polygon needs its rings');
    let vertices = 0;
    const coords = rings.map((r) => {
      if (!Array.isArray(r) || r.length < 3) throw bad('every ring of a polygon needs three corners');
      vertices += r.length;
      if (vertices > MAX_VERTICES) throw bad(`a polygon has more than ${MAX_VERTICES} corners`);
      return r.map(position);
    });
    out = { type: 'Polygon', coordinates: coords };
  } else throw bad('the app adds points and polygons only');
  const ps = out.type === 'Point' ? [out.coordinates] : out.coordinates.flat();
  const [w, s, e, n] = bounds;
  if (!ps.some(([x, y]) => x >= w && x <= e && y >= s && y <= n)) throw bad('it lies outside the product');
  return out;
}
