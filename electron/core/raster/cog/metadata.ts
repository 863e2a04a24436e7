import { FieldType, Tag, type IfdEntry } from './tags.js';
import type { CogBandInfo } from './types.js';

function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;',
  );
}

/**
 * GDAL's metadata XML (tag 42112), as the GTiff driver writes it: dataset items, then per band
 * (sample = 0-based band index) its items and its description (role="description").
 * Returns null when there is nothing to write.
 */
export function gdalMetadataXml(
  dataset: Readonly<Record<string, string>>,
  bands: readonly CogBandInfo[],
): string | null {
  const lines: string[] = [];
  for (const [k, v] of Object.entries(dataset)) {
    lines.push(`  <Item name="${escapeXml(k)}">${escapeXml(v)}</Item>`);
  }
  bands.forEach((b, i) => {
    for (const [k, v] of Object.entries(b.metadata ?? {})) {
      lines.push(`  <Item name="${escapeXml(k)}" sample="${i}">${escapeXml(v)}</Item>`);
    }
    if (b.description !== undefined && b.description !== '') {
      lines.push(
        `  <Item name="DESCRIPTION" sample="${i}" role="description">${escapeXml(b.description)}</Item>`,
      );
    }
  });
  if (lines.length === 0) return null;
  return `<GDALMetadata>\n${lines.join('\n')}\n</GDALMetadata>\n`;
}

/** The nodata value as GDAL writes and parses it ("nan", "inf", shortest round-trip decimal). */
export function nodataString(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return String(v);
}

export function metadataEntries(
  dataset: Readonly<Record<string, string>>,
  bands: readonly CogBandInfo[],
): IfdEntry[] {
  const xml = gdalMetadataXml(dataset, bands);
  if (xml === null) return [];
  // GDAL stores the XML as ASCII; non-Latin-1 text would be mangled, so keep it UTF-8 bytes.
  return [
    { tag: Tag.GdalMetadata, type: FieldType.ASCII, values: Buffer.from(xml, 'utf8').toString('latin1') },
  ];
}

export function nodataEntry(nodata: number | undefined): IfdEntry[] {
  if (nodata === undefined) return [];
  return [{ tag: Tag.GdalNodata, type: FieldType.ASCII, values: nodataString(nodata) }];
}
