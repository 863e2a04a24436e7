import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S2Error } from '../../../../electron/core/errors.js';
import type { Grid } from '../../../../electron/core/raster/grid.js';
import { CogWriter, writeCog } from '../../../../electron/core/raster/cog/index.js';
import { geotiffRead } from './oracle.js';

const W = 700;
const H = 600;
const GRID: Grid = { epsg: 32633, width: W, height: H, transform: [300000, 10, 0, 5000000, 0, -10] };

function rows(y0: number, n: number): Uint8Array {
  const a = new Uint8Array(n * W);
  for (let i = 0; i < a.length; i++) a[i] = ((y0 * W + i) * 13) % 5;
  return a;
}

describe('COG writer: atomic output and cancellation', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cog-atomic-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('works on a temporary name and only replaces an existing output when complete', async () => {
    const out = join(dir, 'existing.tif');
    writeFileSync(out, 'previous result');
    const writer = await CogWriter.open(out, { grid: GRID, dataType: 'Uint8', bands: [{}], tileSize: 256 });
    expect(readdirSync(dir).sort()).toEqual(['existing.tif', `existing.tif.tmp-${process.pid}`]);
    await writer.writeRows(0, [rows(0, 400)]);
    await writer.writeRows(400, [rows(400, 200)]);
    expect(readFileSync(out, 'utf8')).toBe('previous result');
    await writer.finish();
    expect(readdirSync(dir)).toEqual(['existing.tif']);
    const back = await geotiffRead(out, 0);
    expect(Array.from(back.bands[0]!.subarray(0, 10))).toEqual(Array.from(rows(0, 1).subarray(0, 10)));
    rmSync(out);
  });

  it('removes everything when the signal aborts mid-stream, and keeps the old output', async () => {
    const out = join(dir, 'cancel.tif');
    writeFileSync(out, 'old');
    const ac = new AbortController();
    const writer = await CogWriter.open(out, {
      grid: GRID,
      dataType: 'Uint8',
      bands: [{}],
      tileSize: 256,
      signal: ac.signal,
      memoryLimitBytes: 0, // spill at once, so there is a spill file to clean up too
    });
    // Two strips: the second waits for the first to be stored, so the spill file exists.
    await writer.writeRows(0, [rows(0, 520)]);
    expect(readdirSync(dir).length).toBe(3);
    ac.abort();
    const err = await writer.writeRows(520, [rows(520, 50)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(S2Error);
    expect((err as S2Error).code).toBe('CANCELLED');
    await writer.abort();
    expect(readdirSync(dir)).toEqual(['cancel.tif']);
    expect(readFileSync(out, 'utf8')).toBe('old');
    rmSync(out);
  });

  it('cleans up on its own when aborted between calls', async () => {
    const out = join(dir, 'idle.tif');
    const ac = new AbortController();
    const writer = await CogWriter.open(out, {
      grid: GRID,
      dataType: 'Uint8',
      bands: [{}],
      signal: ac.signal,
    });
    await writer.writeRows(0, [rows(0, 10)]);
    ac.abort();
    await writer.abort(); // waits for the cleanup the signal started
    expect(readdirSync(dir)).toEqual([]);
  });

  it('writeCog with an aborted signal leaves nothing', async () => {
    const out = join(dir, 'pre.tif');
    const ac = new AbortController();
    ac.abort();
    const data = new Uint8Array(W * H);
    await expect(
      writeCog(out, { grid: GRID, dataType: 'Uint8', bands: [{ data }], signal: ac.signal }),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a bad call fails the write and removes the temporary file', async () => {
    const out = join(dir, 'bad.tif');
    const writer = await CogWriter.open(out, { grid: GRID, dataType: 'Uint8', bands: [{}] });
    await expect(writer.writeRows(5, [rows(0, 1)])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/rows must come in order/),
    });
    expect(readdirSync(dir)).toEqual([]);
    await expect(writer.finish()).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(writer.abort()).resolves.toBeUndefined();
  });

  it('refuses finishing before all rows came', async () => {
    const out = join(dir, 'short.tif');
    const writer = await CogWriter.open(out, { grid: GRID, dataType: 'Uint8', bands: [{}] });
    await writer.writeRows(0, [rows(0, 100)]);
    await expect(writer.finish()).rejects.toThrow(/only 100 of 600 rows/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a second writer on the same output, a missing folder, and bad options', async () => {
    const out = join(dir, 'twice.tif');
    const writer = await CogWriter.open(out, { grid: GRID, dataType: 'Uint8', bands: [{}] });
    await expect(CogWriter.open(out, { grid: GRID, dataType: 'Uint8', bands: [{}] })).rejects.toThrow(
      /already being written/,
    );
    await writer.abort();
    await expect(
      CogWriter.open(join(dir, 'no/such/dir.tif'), { grid: GRID, dataType: 'Uint8', bands: [{}] }),
    ).rejects.toBeInstanceOf(S2Error);
    const bad = (o: object): Promise<unknown> =>
      CogWriter.open(join(dir, 'x.tif'), { grid: GRID, dataType: 'Uint8', bands: [{}], ...o });
    await expect(bad({ tileSize: 500 })).rejects.toThrow(/multiple of 16/);
    await expect(bad({ nodata: 300 })).rejects.toThrow(/cannot be stored exactly as Uint8/);
    await expect(bad({ dataType: 'Float32', palette: [[0, 0, 0]] })).rejects.toThrow(/single Uint8 band/);
    await expect(bad({ bands: [] })).rejects.toThrow(/at least one band/);
    await expect(
      writeCog(join(dir, 'y.tif'), { grid: GRID, dataType: 'Uint8', bands: [{ data: new Uint8Array(5) }] }),
    ).rejects.toThrow(/band 1 has 5 samples/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('gives byte-identical files whether tiles stay in memory or spill to disk', async () => {
    const data = rows(0, H);
    const a = join(dir, 'mem.tif');
    const b = join(dir, 'spill.tif');
    await writeCog(a, { grid: GRID, dataType: 'Uint8', bands: [{ data }], tileSize: 128 });
    await writeCog(b, {
      grid: GRID,
      dataType: 'Uint8',
      bands: [{ data }],
      tileSize: 128,
      memoryLimitBytes: 1000,
    });
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['mem.tif', 'spill.tif']);
  });
});
