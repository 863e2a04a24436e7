/**
 * npm run sample:build [-- --source TIF] [--out DIR]
 *
 * Builds the embedded sample product (samples/<name>.SAFE, committed) from the real cloudy
 * SEN12MS-CR patch in ../shared/data/sen12mscr-cloudy-L1C-2018: 13 bands of Sentinel-2 L1C TOA
 * reflectance x 10000 (no offset), all resampled to 10 m by the dataset. Bands go back to their
 * native 20 m and 60 m grids by block averaging; the patch is cut to 252 x 252 px (a multiple of
 * 6) so every grid covers the same ground. Deterministic: the same source gives the same bytes.
 *
 * The source has no date and no angles. The sensing time is set to 2018-08-03 10:10:19 UTC (a
 * summer morning overpass, about 10:30 local solar time) because at 11.6 N 4.96 E the sun then
 * stands about 24 deg from the zenith at an azimuth of about 72 deg, which is where the image's
 * shadows say it was (they lie west-south-west of their clouds, about 400 m away). Baseline 02.06
 * (2018): no RADIO_ADD_OFFSET, so the DN are read as reflectance x 10000, as they are.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fromFile } from 'geotiff';
import { SAMPLE_PRODUCT_NAME } from '../electron/core/sample/path.js';
import { NATIVE_RESOLUTION, SPECTRAL_BANDS, type SpectralBand } from '../electron/core/scene/types.js';
import { writeL1cSafe, type BandRaster } from '../test/fixtures/safe/write-safe.js';

const ROOT = resolve(import.meta.dirname, '..');
const SOURCE = resolve(ROOT, '../shared/data/sen12mscr-cloudy-L1C-2018/ROIs1868_summer_s2_cloudy_19_p30.tif');
/** 10 m size of the product: the largest multiple of 6 (one 60 m pixel) within the 256 px patch. */
const SIZE = 252;

/** Mean of each f x f block of the top-left `size` x `size` window (DN rounded to integers). */
function blockMean(src: ArrayLike<number>, srcWidth: number, size: number, f: number): BandRaster {
  const n = size / f;
  const data = new Uint16Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      let sum = 0;
      for (let dy = 0; dy < f; dy++) {
        for (let dx = 0; dx < f; dx++) sum += src[(r * f + dy) * srcWidth + c * f + dx]!;
      }
      data[r * n + c] = Math.round(sum / (f * f));
    }
  }
  return { width: n, height: n, data };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { source: { type: 'string' }, out: { type: 'string' } },
  });
  const source = resolve(values.source ?? SOURCE);
  const outDir = resolve(values.out ?? resolve(ROOT, 'samples'));
  const tiff = await fromFile(source);
  const image = await tiff.getImage();
  const width = image.getWidth();
  if (image.getSamplesPerPixel() !== 13 || width < SIZE || image.getHeight() < SIZE) {
    throw new Error(`${source}: expected 13 bands of at least ${SIZE} x ${SIZE} px`);
  }
  const [ulx, uly] = image.getOrigin() as [number, number];
  const epsg = image.getGeoKeys()?.ProjectedCSTypeGeoKey as number | undefined;
  if (epsg !== 32631) throw new Error(`${source}: expected EPSG:32631, found ${String(epsg)}`);
  const rasters = (await image.readRasters()) as unknown as ArrayLike<number>[];
  const bands = {} as Record<SpectralBand, BandRaster>;
  SPECTRAL_BANDS.forEach((band, i) => {
    bands[band] = blockMean(rasters[i]!, width, SIZE, NATIVE_RESOLUTION[band] / 10);
  });
  const written = await writeL1cSafe({
    outDir,
    mission: 'S2B',
    sensingTime: new Date('2018-08-03T10:10:19Z'),
    generationTime: new Date('2018-08-03T12:15:13Z'),
    tile: '31PGN',
    relativeOrbit: 22,
    absoluteOrbit: 7341,
    baseline: '02.06',
    epsg,
    ulx,
    uly,
    bands,
  });
  if (`${written.name}.SAFE` !== SAMPLE_PRODUCT_NAME) {
    throw new Error(
      `wrote ${written.name}.SAFE but electron/core/sample/path.ts expects ${SAMPLE_PRODUCT_NAME}`,
    );
  }
  console.log(
    `${written.safePath}\n  sun zenith ${written.sun.zenith.toFixed(2)} deg, azimuth ${written.sun.azimuth.toFixed(2)} deg`,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
