import { geoKeyEntries, transformEntries } from './geokeys.js';
import { metadataEntries, nodataEntry } from './metadata.js';
import type { ResolvedOptions } from './options.js';
import type { LevelSize } from './overviews.js';
import { colorMapEntry } from './palette.js';
import {
  COMPRESSION_DEFLATE,
  FieldType,
  PHOTOMETRIC_MINISBLACK,
  PHOTOMETRIC_PALETTE,
  PREDICTOR_FLOATING_POINT,
  PREDICTOR_HORIZONTAL,
  Tag,
  type IfdEntry,
} from './tags.js';

const SOFTWARE = 'S2 Cloud Studio';

function dimension(tag: number, v: number): IfdEntry {
  return { tag, type: v <= 0xffff ? FieldType.SHORT : FieldType.LONG, values: [v] };
}

/**
 * IFD entries of one level except the tile offsets and byte counts. Overviews repeat the
 * structure tags (and colour table and nodata, so each IFD reads alone) and are marked as
 * reduced-resolution images; georeferencing and metadata go on full resolution only.
 */
export function levelEntries(o: ResolvedOptions, level: number, size: LevelSize): IfdEntry[] {
  const spp = o.bands.length;
  const sizes = (v: number): number[] => new Array<number>(spp).fill(v);
  const e: IfdEntry[] = [
    dimension(Tag.ImageWidth, size.width),
    dimension(Tag.ImageLength, size.height),
    { tag: Tag.BitsPerSample, type: FieldType.SHORT, values: sizes(o.type.bits) },
    { tag: Tag.Compression, type: FieldType.SHORT, values: [COMPRESSION_DEFLATE] },
    {
      tag: Tag.Photometric,
      type: FieldType.SHORT,
      values: [o.palette ? PHOTOMETRIC_PALETTE : PHOTOMETRIC_MINISBLACK],
    },
    { tag: Tag.SamplesPerPixel, type: FieldType.SHORT, values: [spp] },
    { tag: Tag.PlanarConfiguration, type: FieldType.SHORT, values: [1] }, // pixel-interleaved, GDAL's COG default
    {
      tag: Tag.Predictor,
      type: FieldType.SHORT,
      values: [o.type.integer ? PREDICTOR_HORIZONTAL : PREDICTOR_FLOATING_POINT],
    },
    dimension(Tag.TileWidth, o.tileSize),
    dimension(Tag.TileLength, o.tileSize),
    { tag: Tag.SampleFormat, type: FieldType.SHORT, values: sizes(o.type.sampleFormat) },
    ...nodataEntry(o.nodata),
  ];
  // Extra samples beyond the first are "unspecified" data (not alpha), as GDAL writes them.
  if (spp > 1)
    e.push({ tag: Tag.ExtraSamples, type: FieldType.SHORT, values: new Array<number>(spp - 1).fill(0) });
  if (o.palette) e.push(colorMapEntry(o.palette));
  if (level > 0) {
    e.push({ tag: Tag.NewSubfileType, type: FieldType.LONG, values: [1] });
  } else {
    e.push(
      { tag: Tag.Software, type: FieldType.ASCII, values: SOFTWARE },
      ...transformEntries(o.grid),
      ...geoKeyEntries(o.grid.epsg),
      ...metadataEntries(o.metadata ?? {}, o.bands),
    );
  }
  return e;
}
