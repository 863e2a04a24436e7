/**
 * GeoPackage reader on sql.js (SQLite compiled to WebAssembly, loaded offline from node_modules).
 * Layers come from gpkg_contents + gpkg_geometry_columns, the CRS from gpkg_spatial_ref_sys.
 * sql.js holds the whole database in memory; rows are still decoded one at a time.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import initSqlJs from 'sql.js';
import type { Database, SqlJsStatic, SqlValue } from 'sql.js';
import { S2Error } from '../../errors.js';
import { crsFromEpsg, crsFromUser, crsFromWkt } from './crs.js';
import { checkFeatureCount, makeLimiter } from './limits.js';
import type { PropertyValue, ReadOptions, VectorCrs, VectorFeature, VectorSource } from './types.js';
import { parseGpkgGeometry } from './wkb.js';

let sqlPromise: Promise<SqlJsStatic> | undefined;

function loadSql(): Promise<SqlJsStatic> {
  if (!sqlPromise) {
    const require = createRequire(import.meta.url);
    const dist = dirname(require.resolve('sql.js'));
    sqlPromise = initSqlJs({ locateFile: (f: string) => join(dist, f) });
  }
  return sqlPromise;
}

function rows(db: Database, sql: string, params: SqlValue[] = []): SqlValue[][] {
  const res = db.exec(sql, params);
  return res[0]?.values ?? [];
}

const quote = (id: string): string => `"${id.replace(/"/g, '""')}"`;

function crsOf(db: Database, srsId: number, file: string, opts: ReadOptions): VectorCrs {
  const r = rows(
    db,
    'SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?',
    [srsId],
  )[0];
  const org = typeof r?.[0] === 'string' ? r[0].toUpperCase() : '';
  const code = typeof r?.[1] === 'number' ? r[1] : undefined;
  const def = typeof r?.[2] === 'string' && r[2].trim() !== 'undefined' ? r[2] : undefined;
  if (org === 'EPSG' && code !== undefined && code > 0) return crsFromEpsg(code, def, file);
  if (def !== undefined) return crsFromWkt(def);
  if (opts.crs !== undefined) return crsFromUser(opts.crs, file);
  throw new S2Error(
    'INVALID_ARGUMENT',
    `${file}: the layer's coordinate system (srs_id ${srsId}) is undefined; give the CRS (e.g. crs: 32631).`,
    { file, details: { srsId } },
  );
}

/** Opens one feature layer of a GeoPackage. */
export async function openGeoPackage(file: string, opts: ReadOptions = {}): Promise<VectorSource> {
  const SQL = await loadSql();
  let db: Database;
  try {
    db = new SQL.Database(readFileSync(file));
    rows(db, 'SELECT 1 FROM sqlite_master LIMIT 1');
  } catch (err) {
    throw new S2Error('BAD_METADATA', `${file} is not a readable GeoPackage (SQLite) file.`, {
      file,
      cause: err,
    });
  }
  let layers: SqlValue[][];
  try {
    layers = rows(
      db,
      `SELECT c.table_name, g.column_name, g.srs_id FROM gpkg_contents c
       JOIN gpkg_geometry_columns g ON lower(g.table_name) = lower(c.table_name)
       WHERE c.data_type = 'features' ORDER BY c.table_name`,
    );
  } catch (err) {
    db.close();
    throw new S2Error('BAD_METADATA', `${file} is SQLite but not a GeoPackage (no gpkg_contents).`, {
      file,
      cause: err,
    });
  }
  const names = layers.map((l) => String(l[0]));
  let chosen = layers[0];
  if (opts.layer !== undefined) chosen = layers.find((l) => String(l[0]) === opts.layer);
  else if (layers.length > 1) chosen = undefined;
  if (!chosen) {
    db.close();
    const why =
      names.length === 0
        ? 'has no feature layer'
        : opts.layer === undefined
          ? `has ${names.length} layers; choose one with layer:`
          : `has no layer "${opts.layer}"; layers:`;
    throw new S2Error('INVALID_ARGUMENT', `${file} ${why} ${names.join(', ')}`.trim(), {
      file,
      details: { layers: names },
    });
  }
  const table = String(chosen[0]);
  const geomCol = String(chosen[1]);
  let crs: VectorCrs;
  try {
    crs = crsOf(db, Number(chosen[2]), file, opts);
  } catch (err) {
    db.close();
    throw err;
  }
  const info = rows(db, `PRAGMA table_info(${quote(table)})`);
  // The integer primary key is OGR's FID, not an attribute.
  const fields = info
    .filter((c) => String(c[1]) !== geomCol && !(Number(c[5]) === 1 && /INT/i.test(String(c[2]))))
    .map((c) => String(c[1]));
  const featureCount = Number(rows(db, `SELECT COUNT(*) FROM ${quote(table)}`)[0]?.[0] ?? 0);
  try {
    checkFeatureCount(file, featureCount, opts);
  } catch (err) {
    db.close();
    throw err;
  }
  let skipped = 0;

  function* features(): Generator<VectorFeature> {
    const limit = makeLimiter(file, opts);
    const cols = [geomCol, ...fields].map(quote).join(', ');
    const stmt = db.prepare(`SELECT ${cols} FROM ${quote(table)} ORDER BY rowid`);
    try {
      for (let i = 0; stmt.step(); i++) {
        const row = stmt.get();
        const blob = row[0];
        let geometry = null;
        if (blob instanceof Uint8Array) {
          try {
            geometry = parseGpkgGeometry(blob).geometry;
          } catch (err) {
            throw new S2Error(
              'BAD_METADATA',
              `${file}: feature ${i + 1} of ${table} has a corrupt geometry.`,
              {
                file,
                cause: err,
              },
            );
          }
        }
        if (geometry === null) {
          skipped += 1;
          continue;
        }
        limit(geometry);
        const properties: Record<string, PropertyValue> = {};
        fields.forEach((f, k) => {
          const v = row[k + 1];
          properties[f] = v instanceof Uint8Array || v === undefined ? null : v;
        });
        yield { geometry, properties };
      }
    } finally {
      stmt.free();
    }
  }
  return { file, layer: table, crs, fields, featureCount, features, skipped: () => skipped };
}
