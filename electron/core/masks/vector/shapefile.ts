/**
 * ESRI Shapefile reader (.shp geometry, .dbf attributes, .prj CRS, .cpg code page). Records
 * are read one by one from the file, so a large file is streamed, not loaded.
 * Types: Point 1, PolyLine 3, Polygon 5, MultiPoint 8 and their Z (11..18) and M (21..28)
 * variants; x, y are kept and Z/M ignored. Lines are skipped (not meaningful for masks).
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { S2Error } from '../../errors.js';
import { crsFromUser, crsFromWkt } from './crs.js';
import { DbfReader, readCpg } from './dbf.js';
import { checkFeatureCount, makeLimiter } from './limits.js';
import { groupRings } from './rings.js';
import type {
  Position,
  ReadOptions,
  Ring,
  VectorCrs,
  VectorFeature,
  VectorGeometry,
  VectorSource,
} from './types.js';

function sidecar(shp: string, ext: string): string | undefined {
  const stem = shp.slice(0, shp.length - extname(shp).length);
  for (const e of [ext, ext.toUpperCase()]) if (existsSync(stem + e)) return stem + e;
  return undefined;
}

function parseShape(c: Buffer, file: string, index: number): VectorGeometry | null {
  const type = c.readInt32LE(0);
  const base = type % 10; // 11/21 -> 1, 15/25 -> 5, 18/28 -> 8
  const bad = (): S2Error =>
    new S2Error('BAD_METADATA', `${file}: record ${index + 1} is truncated or corrupt.`, { file });
  if (type === 0) return null;
  if (base === 1) {
    if (c.length < 20) throw bad();
    const x = c.readDoubleLE(4);
    const y = c.readDoubleLE(12);
    return Number.isNaN(x) || Number.isNaN(y) ? null : { type: 'Point', coordinates: [x, y] };
  }
  if (base === 8) {
    const n = c.readInt32LE(36);
    if (n < 0 || 40 + n * 16 > c.length) throw bad();
    const pts: Position[] = [];
    for (let i = 0; i < n; i++) pts.push([c.readDoubleLE(40 + i * 16), c.readDoubleLE(48 + i * 16)]);
    return n === 0 ? null : { type: 'MultiPoint', coordinates: pts };
  }
  if (base === 5) {
    const nParts = c.readInt32LE(36);
    const nPoints = c.readInt32LE(40);
    const ptsAt = 44 + nParts * 4;
    if (nParts < 0 || nPoints < 0 || ptsAt + nPoints * 16 > c.length) throw bad();
    const rings: Ring[] = [];
    for (let p = 0; p < nParts; p++) {
      const start = c.readInt32LE(44 + p * 4);
      const end = p + 1 < nParts ? c.readInt32LE(48 + p * 4) : nPoints;
      if (start < 0 || end > nPoints || end < start) throw bad();
      const ring: Ring = [];
      for (let i = start; i < end; i++)
        ring.push([c.readDoubleLE(ptsAt + i * 16), c.readDoubleLE(ptsAt + i * 16 + 8)]);
      rings.push(ring);
    }
    const polys = groupRings(rings);
    if (polys.length === 0) return null;
    return polys.length === 1
      ? { type: 'Polygon', coordinates: polys[0] as Ring[] }
      : { type: 'MultiPolygon', coordinates: polys };
  }
  return null; // PolyLine, MultiPatch: not a mask geometry
}

/** Opens a Shapefile as a lazily read layer. */
export function openShapefile(file: string, opts: ReadOptions = {}): VectorSource {
  if (!existsSync(file)) throw new S2Error('NOT_FOUND', `${file} does not exist.`, { file });
  const prj = sidecar(file, '.prj');
  let crs: VectorCrs;
  if (prj !== undefined) crs = crsFromWkt(readFileSync(prj, 'utf8'));
  else if (opts.crs !== undefined) crs = crsFromUser(opts.crs, file);
  else
    throw new S2Error(
      'MISSING_FILE',
      `${file} has no .prj file, so its coordinate system is unknown; add the .prj or give the CRS (e.g. crs: 32631).`,
      { file, details: { missing: basename(file, extname(file)) + '.prj' } },
    );
  const dbfPath = sidecar(file, '.dbf');
  const encoding = readCpg(sidecar(file, '.cpg') ?? '');
  const probe = dbfPath === undefined ? undefined : new DbfReader(dbfPath, encoding);
  const fields = probe?.fields.map((f) => f.name) ?? [];
  probe?.close();

  const fd = openSync(file, 'r');
  let size: number;
  try {
    size = fstatSync(fd).size;
    const head = Buffer.alloc(100);
    if (size < 100 || readSync(fd, head, 0, 100, 0) !== 100 || head.readInt32BE(0) !== 9994)
      throw new S2Error('BAD_METADATA', `${file} is not a Shapefile (bad header).`, { file });
  } finally {
    closeSync(fd);
  }
  const shx = sidecar(file, '.shx');
  const featureCount =
    shx !== undefined ? Math.max(0, Math.floor((statSync(shx).size - 100) / 8)) : (probe?.count ?? 0);
  checkFeatureCount(file, featureCount, opts);
  let skipped = 0;

  function* features(): Generator<VectorFeature> {
    const limit = makeLimiter(file, opts);
    const shp = openSync(file, 'r');
    const dbf = dbfPath === undefined ? undefined : new DbfReader(dbfPath, encoding);
    try {
      const rh = Buffer.alloc(8);
      let pos = 100;
      for (let i = 0; pos + 8 <= size; i++) {
        readSync(shp, rh, 0, 8, pos);
        const len = rh.readInt32BE(4) * 2;
        if (len < 4 || pos + 8 + len > size)
          throw new S2Error('BAD_METADATA', `${file}: record ${i + 1} is truncated.`, { file });
        const content = Buffer.alloc(len);
        readSync(shp, content, 0, len, pos + 8);
        pos += 8 + len;
        const geometry = parseShape(content, file, i);
        if (geometry === null) {
          skipped += 1;
          continue;
        }
        limit(geometry);
        yield { geometry, properties: dbf && i < dbf.count ? dbf.read(i) : {} };
      }
    } finally {
      closeSync(shp);
      dbf?.close();
    }
  }
  return {
    file,
    layer: basename(file, extname(file)),
    crs,
    fields,
    featureCount,
    features,
    skipped: () => skipped,
  };
}
