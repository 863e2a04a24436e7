import type { DiscoveryEntry, ProductMetadata, QiMaskEntry, BandEntry } from '../core/scene/types.js';

const MISSION_NAMES: Record<string, string> = {
  S2A: 'Sentinel-2A',
  S2B: 'Sentinel-2B',
  S2C: 'Sentinel-2C',
  S2D: 'Sentinel-2D',
};

/** A readable, aligned summary of one discovery entry (a product, or why it could not be read). */
export function formatEntry(entry: DiscoveryEntry): string {
  if (!entry.ok) {
    const file = entry.error.file;
    const where = file && file !== entry.path && !entry.error.message.includes(file) ? ` (${file})` : '';
    return `✗ ${entry.path}\n  problem      ${entry.error.message}${where}\n`;
  }
  const m = entry.metadata;
  const rows: Array<[string, string]> = [
    ['path', entry.path],
    [
      'mission',
      `${MISSION_NAMES[m.mission] ?? m.mission}   level ${m.level}   format ${formatName(m.format)}`,
    ],
    ['sensing', m.sensingTime],
    ['tile', `${m.tileId}   relative orbit R${String(m.relativeOrbit).padStart(3, '0')}`],
    ['baseline', `${m.processingBaseline}   quantification ${m.quantificationValue}   ${formatOffsets(m)}`],
    ['CRS', `EPSG:${m.epsg}${m.crsName ? ` (${m.crsName})` : ''}`],
    ...formatGrids(m),
    ['cloud cover', m.cloudCover === null ? 'not given' : `${m.cloudCover.toFixed(2)} %`],
    [
      'sun',
      m.sun
        ? `zenith ${m.sun.zenithMean.toFixed(2)}°, azimuth ${m.sun.azimuthMean.toFixed(2)}°`
        : 'not given',
    ],
    ['viewing', formatViewing(m)],
    ['footprint', formatFootprint(m.footprint)],
    ['bands', formatBands(entry.bands)],
    ['masks', formatMasks(entry.masks)],
  ];
  if (m.granules.length > 1) {
    rows.push(['granules', `${m.granules.length}: ${m.granules.map((g) => g.tileId ?? g.id).join(', ')}`]);
    rows.push(['reading', m.granule.id]);
  }
  for (const w of entry.warnings) rows.push(['warning', w]);
  const body = rows.map(([k, v]) => `  ${k.padEnd(12)} ${v}`).join('\n');
  return `✓ ${m.productName}\n${body}\n`;
}

function formatName(format: ProductMetadata['format']): string {
  if (format === 'THEIA_MUSCATE') return 'THEIA L2A (MAJA, GeoTIFF)';
  return format === 'SAFE_COMPACT' ? 'SAFE compact' : 'PDGS multi-granule';
}

function formatOffsets(m: ProductMetadata): string {
  if (m.theia) return `${m.theia.reflectance} reflectance, no data ${m.noDataValue}`;
  const name = m.level === 'L1C' ? 'RADIO_ADD_OFFSET' : 'BOA_ADD_OFFSET';
  const values = new Set(Object.values(m.offsets));
  if (values.size === 1) return `${name} ${[...values][0]} (all bands)`;
  return `${name} ${Object.entries(m.offsets)
    .map(([b, v]) => `${b}:${v}`)
    .join(' ')}`;
}

function formatGrids(m: ProductMetadata): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  for (const res of [10, 20, 60] as const) {
    const g = m.grids[res];
    if (!g) continue;
    const [ox, , , oy] = g.transform;
    rows.push([`grid ${res} m`, `${g.width} x ${g.height} px, upper-left (${ox}, ${oy})`]);
  }
  return rows;
}

function formatViewing(m: ProductMetadata): string {
  if (m.viewing.length === 0) return 'not given';
  const z = m.viewing.map((v) => v.zenithMean).filter(Number.isFinite);
  const a = m.viewing.map((v) => v.azimuthMean).filter(Number.isFinite);
  if (z.length === 0) return 'not given';
  const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
  return `zenith ${mean(z).toFixed(2)}°, azimuth ${mean(a).toFixed(2)}° (mean of ${m.viewing.length} bands)`;
}

function formatFootprint(ring: Array<[number, number]>): string {
  if (ring.length === 0) return 'not given';
  const lons = ring.map((p) => p[0]);
  const lats = ring.map((p) => p[1]);
  const f = (v: number): string => v.toFixed(4);
  return `lon ${f(Math.min(...lons))}..${f(Math.max(...lons))}, lat ${f(Math.min(...lats))}..${f(Math.max(...lats))} (${ring.length} vertices)`;
}

function formatBands(bands: BandEntry[]): string {
  if (bands.length === 0) return 'none';
  const byRes = new Map<number, string[]>();
  for (const b of bands) byRes.set(b.resolution, [...(byRes.get(b.resolution) ?? []), b.name]);
  return [...byRes.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([res, names]) => `${res} m: ${names.join(' ')}`)
    .join('; ');
}

function formatMasks(masks: QiMaskEntry[]): string {
  if (masks.length === 0) return 'none';
  const counts = new Map<string, number>();
  for (const q of masks) {
    const key = q.kind + (q.resolution ? ` ${q.resolution} m` : '') + (q.format === 'gml' ? ' (GML)' : '');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()].map(([k, n]) => (n > 1 ? `${k} x${n}` : k)).join(', ');
}
