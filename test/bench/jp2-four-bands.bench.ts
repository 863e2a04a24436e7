/**
 * The four 10 m bands (B02 B03 B04 B08) of the full-size product decoded at resolution level 1
 * (20 m), as the 20 m cloud mask reads them: our decoder (native and WASM codecs, the four
 * bands through one pool) against opj_decompress -threads 2 -r 1 and gdal_translate at half
 * size, one band after the other. Each run is its own process, timed with /usr/bin/time.
 *
 *   node --import tsx test/bench/jp2-four-bands.bench.ts [--repeat N]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fileByteSource } from '../../electron/core/raster/byte-source.js';
import { Jp2Decoder } from '../../electron/core/raster/jp2/index.js';
import { makeScene } from '../fixtures/make-scene.js';
import { DATA_DIR } from '../helpers/env.js';

const BANDS = ['B02', 'B03', 'B04', 'B08'];

async function child(files: string[]): Promise<void> {
  const decoder = new Jp2Decoder();
  const srcs = await Promise.all(files.map((f) => fileByteSource(f)));
  const t0 = performance.now();
  await Promise.all(srcs.map((s) => decoder.decode(s, { level: 1 })));
  process.stdout.write(`decode ${((performance.now() - t0) / 1000).toFixed(2)} s, codec ${decoder.codec}\n`);
  await Promise.all(srcs.map((s) => s.close()));
  await decoder.destroy();
}

/** Wall seconds and peak RSS (MiB) of a command, from GNU time (which reports on stderr). */
function run(cmd: string[], env: NodeJS.ProcessEnv = process.env): { wall: number; rss: number } {
  const res = execFileSync(
    'sh',
    ['-c', `/usr/bin/time -f '%e %M' "$@" 2>&1 >/dev/null | tail -1`, 'sh', ...cmd],
    {
      env,
      encoding: 'utf8',
    },
  );
  const [wall, kb] = res.trim().split(/\s+/).map(Number);
  return { wall: wall ?? NaN, rss: (kb ?? NaN) / 1024 };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { repeat: { type: 'string', default: '3' } } });
  const repeat = Number(values.repeat);
  const { safePath } = await makeScene({ size: 'full', outDir: join(DATA_DIR, 'scenes') });
  const granule = join(safePath, 'GRANULE', readdirSync(join(safePath, 'GRANULE'))[0]!, 'IMG_DATA');
  const files = BANDS.map((b) =>
    join(
      granule,
      readdirSync(granule).find((f) => f.endsWith(`_${b}.jp2`))!,
    ),
  );
  const tmp = mkdtempSync(join(tmpdir(), 's2-bench4-'));
  const self = fileURLToPath(import.meta.url);
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const rows: Array<[string, number, number]> = [];
  const measure = (name: string, once: () => { wall: number; rss: number }): void => {
    const runs = Array.from({ length: repeat }, once);
    rows.push([name, median(runs.map((r) => r.wall)), Math.max(...runs.map((r) => r.rss))]);
    console.log(`${name}: ${rows.at(-1)![1].toFixed(2)} s, ${rows.at(-1)![2].toFixed(0)} MB`);
  };
  try {
    for (const codec of ['native', 'wasm']) {
      measure(`Jp2Decoder ${codec}, 4 bands in one pool`, () =>
        run([process.execPath, '--import', 'tsx', self, '--child', ...files], {
          ...process.env,
          S2_JP2_CODEC: codec,
        }),
      );
    }
    const sequential = (one: (f: string, i: number) => string[]) => (): { wall: number; rss: number } => {
      const rs = files.map((f, i) => run(one(f, i)));
      return { wall: rs.reduce((s, r) => s + r.wall, 0), rss: Math.max(...rs.map((r) => r.rss)) };
    };
    measure(
      'opj_decompress -threads 2 -r 1, 4 bands one by one',
      sequential((f, i) => [
        'opj_decompress',
        '-threads',
        '2',
        '-r',
        '1',
        '-i',
        f,
        '-o',
        join(tmp, `o${i}.pgm`),
      ]),
    );
    measure(
      'gdal_translate -outsize 50%, 4 bands one by one',
      sequential((f, i) => [
        'gdal_translate',
        '-q',
        '-of',
        'ENVI',
        '-outsize',
        '50%',
        '50%',
        f,
        join(tmp, `g${i}.raw`),
      ]),
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const opj = rows.find((r) => r[0].startsWith('opj'))![1];
  console.log(
    '\nFour 10 m bands (10980 x 10980 each) decoded at level 1 (5490 x 5490), median of',
    repeat,
    'runs\n',
  );
  console.log('| tool | wall (s) | vs opj_decompress | peak RSS (MiB) |');
  console.log('|---|---|---|---|');
  for (const [name, wall, rss] of rows)
    console.log(`| ${name} | ${wall.toFixed(2)} | ${(wall / opj).toFixed(2)}x | ${rss.toFixed(0)} |`);
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') await child(argv.slice(1));
else await main();
