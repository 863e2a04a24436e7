/**
 * Writes a label set as a GeoPackage (OGC 12-128r18, version 1.3) that GDAL and QGIS open: the
 * required gpkg_spatial_ref_sys rows plus the product's CRS, one feature layer `labels` with a
 * GEOMETRY column (points and polygons together, so the existing reader and `compare` see one
 * layer), GeoPackage binary geometries (little-endian WKB behind the "GP" header, with an
 * envelope for polygons), and the GPKG application_id / user_version. The database is built in
 * memory with sql.js and written atomically (temporary file, then rename): a crash while
 * labelling leaves the previous file whole.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import initSqlJs from 'sql.js';
import type { SqlJsStatic } from 'sql.js';
import { writeFileAtomic } from '../atomic-write.js';
import { S2Error } from '../errors.js';
import type { Position, Ring, VectorGeometry } from '../masks/vector/types.js';
import { LABEL_CLASS_NAMES } from './classes.js';
import type { LabelSet } from './types.js';
import { wktForEpsg } from './wkt.js';

/** The feature table of a label GeoPackage. */
export const LABEL_LAYER = 'labels';
/** 'GPKG' as the SQLite header's application id. */
const GPKG_APPLICATION_ID = 0x47504b47;
const GPKG_USER_VERSION = 10300;

let sqlPromise: Promise<SqlJsStatic> | undefined;

// The same offline loading as masks/vector/gpkg.ts: the WebAssembly file from node_modules.
function loadSql(): Promise<SqlJsStatic> {
  if (!sqlPromise) {
    const require = createRequire(import.meta.url);
    const dist = dirname(require.resolve('sql.js'));
    sqlPromise = initSqlJs({ locateFile: (f: string) => join(dist, f) });
  }
  return sqlPromise;
}

class WkbWriter {
  private bytes: number[] = [];
  private readonly view = new DataView(new ArrayBuffer(8));
  u8(v: number): void {
    this.bytes.push(v);
  }
  u32(v: number): void {
    this.view.setUint32(0, v, true);
    for (let i = 0; i < 4; i++) this.bytes.push(this.view.getUint8(i));
  }
  i32(v: number): void {
    this.view.setInt32(0, v, true);
    for (let i = 0; i < 4; i++) this.bytes.push(this.view.getUint8(i));
  }
  f64(v: number): void {
    this.view.setFloat64(0, v, true);
    for (let i = 0; i < 8; i++) this.bytes.push(this.view.getUint8(i));
  }
  done(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

/** WKB rings must be closed: the first vertex repeated at the end. */
function closed(ring: Ring): Ring {
  const a = ring[0];
  const b = ring[ring.length - 1];
  return a && b && (a[0] !== b[0] || a[1] !== b[1]) ? [...ring, a] : ring;
}

function writeWkb(w: WkbWriter, g: VectorGeometry): void {
  const point = (p: Position): void => {
    w.f64(p[0]);
    w.f64(p[1]);
  };
  const polygon = (rings: Ring[]): void => {
    w.u32(rings.length);
    for (const r of rings.map(closed)) {
      w.u32(r.length);
      r.forEach(point);
    }
  };
  w.u8(1);
  switch (g.type) {
    case 'Point':
      w.u32(1);
      return point(g.coordinates);
    case 'Polygon':
      w.u32(3);
      return polygon(g.coordinates);
    case 'MultiPoint':
      w.u32(4);
      w.u32(g.coordinates.length);
      for (const p of g.coordinates) {
        w.u8(1);
        w.u32(1);
        point(p);
      }
      return;
    case 'MultiPolygon':
      w.u32(6);
      w.u32(g.coordinates.length);
      for (const rings of g.coordinates) {
        w.u8(1);
        w.u32(3);
        polygon(rings);
      }
  }
}

function positions(g: VectorGeometry): Position[] {
  switch (g.type) {
    case 'Point':
      return [g.coordinates];
    case 'MultiPoint':
      return g.coordinates;
    case 'Polygon':
      return g.coordinates.flat();
    case 'MultiPolygon':
      return g.coordinates.flat(2);
  }
}

type Envelope = [number, number, number, number];

function envelopeOf(ps: readonly Position[]): Envelope {
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const [x, y] of ps) {
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return [x0, x1, y0, y1];
}

/**
 * One GeoPackage geometry blob: "GP", version 0, flags (little-endian; envelope [minx, maxx,
 * miny, maxy] except for a single point, whose envelope is itself), srs_id, then WKB.
 */
export function gpkgGeometryBlob(g: VectorGeometry, srsId: number): Uint8Array {
  const w = new WkbWriter();
  const withEnvelope = g.type !== 'Point';
  w.u8(0x47);
  w.u8(0x50);
  w.u8(0);
  w.u8(withEnvelope ? 0b011 : 0b001);
  w.i32(srsId);
  if (withEnvelope) envelopeOf(positions(g)).forEach((v) => w.f64(v));
  writeWkb(w, g);
  return w.done();
}

/** GeoPackage DATETIME is ISO 8601 UTC with milliseconds (GDAL warns on anything else). */
function gpkgTime(time: string | undefined, i: number, file: string): string | null {
  if (time === undefined) return null;
  const ms = Date.parse(time);
  if (Number.isNaN(ms))
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${file}: label ${i + 1} has time "${time}", not an ISO 8601 date.`,
      {
        file,
        details: { label: i + 1 },
      },
    );
  return new Date(ms).toISOString();
}

function checkGeometry(g: VectorGeometry, i: number, file: string): void {
  const ps = positions(g);
  const bad =
    ps.length === 0 ||
    ps.some(([x, y]) => !Number.isFinite(x) || !Number.isFinite(y)) ||
    (g.type === 'Polygon' && g.coordinates.some((r) => r.length < 3)) ||
    (g.type === 'MultiPolygon' && g.coordinates.some((p) => p.length === 0 || p.some((r) => r.length < 3)));
  if (bad)
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${file}: label ${i + 1} has an empty or invalid ${g.type} (every ring needs 3 vertices, every coordinate a finite number).`,
      { file, details: { label: i + 1 } },
    );
}

/** The GeoPackage bytes of a label set. */
export async function labelsGpkgBytes(set: LabelSet, file = 'labels.gpkg'): Promise<Uint8Array> {
  if (!Number.isInteger(set.epsg) || set.epsg <= 0)
    throw new S2Error(
      'INVALID_ARGUMENT',
      `${file}: the labels need the product's EPSG code (got ${set.epsg}).`,
      {
        file,
      },
    );
  set.labels.forEach((l, i) => checkGeometry(l.geometry, i, file));
  const SQL = await loadSql();
  const db = new SQL.Database();
  try {
    db.run(`PRAGMA application_id = ${GPKG_APPLICATION_ID}`);
    db.run(`PRAGMA user_version = ${GPKG_USER_VERSION}`);
    db.run(`CREATE TABLE gpkg_spatial_ref_sys (
      srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL,
      organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)`);
    db.run(`CREATE TABLE gpkg_contents (
      table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
      description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
      min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
      CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))`);
    db.run(`CREATE TABLE gpkg_geometry_columns (
      table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
      srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
      CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
      CONSTRAINT uk_gc_table_name UNIQUE (table_name),
      CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
      CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))`);
    const srs = db.prepare('INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)');
    // The three rows every GeoPackage must hold, then the labels' CRS.
    srs.run(['WGS 84 geodetic', 4326, 'EPSG', 4326, wktForEpsg(4326)!.wkt, 'longitude/latitude WGS 84']);
    srs.run([
      'Undefined cartesian SRS',
      -1,
      'NONE',
      -1,
      'undefined',
      'undefined cartesian coordinate reference system',
    ]);
    srs.run([
      'Undefined geographic SRS',
      0,
      'NONE',
      0,
      'undefined',
      'undefined geographic coordinate reference system',
    ]);
    if (set.epsg !== 4326) {
      const known = wktForEpsg(set.epsg);
      srs.run([
        known?.name ?? `EPSG:${set.epsg}`,
        set.epsg,
        'EPSG',
        set.epsg,
        known?.wkt ?? 'undefined',
        null,
      ]);
    }
    srs.free();
    db.run(`CREATE TABLE "${LABEL_LAYER}" (
      fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom GEOMETRY, class MEDIUMINT NOT NULL,
      class_name TEXT, author TEXT, time DATETIME)`);
    const all = set.labels.flatMap((l) => positions(l.geometry));
    const [x0, x1, y0, y1] = all.length > 0 ? envelopeOf(all) : [null, null, null, null];
    db.run('INSERT INTO gpkg_contents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
      LABEL_LAYER,
      'features',
      LABEL_LAYER,
      `S2 Cloud Studio labels${set.product ? ` of ${set.product}` : ''} (class: 0 ignore, 1 clear, 2 cloud, 3 semi-transparent, 4 shadow)`,
      new Date().toISOString(),
      x0,
      y0,
      x1,
      y1,
      set.epsg,
    ]);
    db.run('INSERT INTO gpkg_geometry_columns VALUES (?, ?, ?, ?, 0, 0)', [
      LABEL_LAYER,
      'geom',
      'GEOMETRY',
      set.epsg,
    ]);
    const ins = db.prepare(
      `INSERT INTO "${LABEL_LAYER}" (geom, class, class_name, author, time) VALUES (?, ?, ?, ?, ?)`,
    );
    db.run('BEGIN');
    set.labels.forEach((l, i) =>
      ins.run([
        gpkgGeometryBlob(l.geometry, set.epsg),
        l.cls,
        LABEL_CLASS_NAMES[l.cls],
        l.author ?? null,
        gpkgTime(l.time, i, file),
      ]),
    );
    db.run('COMMIT');
    ins.free();
    return db.export();
  } finally {
    db.close();
  }
}

/** Writes a label set as a GeoPackage, atomically (temporary file, then rename). */
export async function writeLabelsGpkg(path: string, set: LabelSet): Promise<void> {
  await writeFileAtomic(path, await labelsGpkgBytes(set, path));
}
