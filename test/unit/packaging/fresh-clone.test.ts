/**
 * What a new user gets from `git clone` + `npm ci`: the repository at HEAD is cloned into a
 * temporary folder with no ../shared beside it (no weights, no data), node_modules is this
 * checkout's (a symbolic link: fast and offline; the native JPEG 2000 addon is not built there, so
 * the WASM decoder runs), and `s2cloud predict "$(s2cloud sample)"` must work: the shipped model,
 * the embedded sample product, a valid class COG with clouds on the bright cumulus and shadows on
 * the side away from the sun (west-south-west here).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { fromFile } from 'geotiff';
import { afterAll, describe, expect, it } from 'vitest';
import { vulkanLoaderPresent } from '../../../electron/core/models/session.js';
import { SAMPLE_PRODUCT_NAME } from '../../../electron/core/sample/path.js';
import { ROOT, hasTool } from '../../helpers/env.js';

const run = promisify(execFile);
/** Kills a hung child so the test fails instead of waiting forever; not a speed check. */
const HANG_LIMIT_MS = 240_000;

describe.skipIf(!hasTool('git') || !hasTool('gdal_translate'))('a fresh clone, no ../shared', () => {
  const tmp = mkdtempSync(join(tmpdir(), 's2-clone-'));
  const repo = join(tmp, 'repo');
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('runs s2cloud predict "$(s2cloud sample)" with the shipped model', { timeout: 600_000 }, async () => {
    execFileSync('git', ['clone', '--quiet', ROOT, repo]);
    symlinkSync(join(ROOT, 'node_modules'), join(repo, 'node_modules'), 'dir');
    expect(existsSync(join(tmp, 'shared'))).toBe(false);
    expect(existsSync(join(repo, 'native-models', 'build'))).toBe(false);
    const env = { ...process.env };
    delete env.S2_MODELS_DIR;
    const cli = (args: string[]): Promise<{ stdout: string; stderr: string }> =>
      run(process.execPath, [join(repo, 'bin', 's2cloud.js'), ...args], {
        cwd: repo,
        env,
        timeout: HANG_LIMIT_MS,
        killSignal: 'SIGKILL',
      });

    const sample = (await cli(['sample'])).stdout.trim();
    expect(sample).toBe(join(repo, 'samples', SAMPLE_PRODUCT_NAME));

    const out = join(tmp, 'sample-mask.tif');
    const p = await cli(['predict', sample, '--out', out]);
    process.stdout.write(
      `fresh clone: ${relative(tmp, repo)}${sep}bin/s2cloud.js predict "$(s2cloud sample)"\n${p.stdout}`,
    );
    const shipped = join(repo, 'native-models', 'dl-l8s2-uv-6b', 'dl-l8s2-uv-6b.onnx');
    expect(p.stderr).toContain(`onnxruntime: ${shipped} runs on`);
    if (!vulkanLoaderPresent()) expect(p.stderr).not.toMatch(/Couldn't load Vulkan/);
    expect(p.stdout).toMatch(/dl-l8s2-uv-6b at 20 m, 126 x 126 px/);

    // The COG: the sample's grid at 20 m, classes 0..4.
    const image = await (await fromFile(out)).getImage();
    expect([image.getWidth(), image.getHeight()]).toEqual([126, 126]);
    expect(image.getGeoKeys()?.ProjectedCSTypeGeoKey).toBe(32631);
    expect(image.getResolution().slice(0, 2)).toEqual([20, -20]);
    expect(image.getOrigin()[0]).toBeCloseTo(712354.29, 2);
    const w = 126;
    const classes = (await image.readRasters({ samples: [0] }))[0] as Uint8Array;
    const counts = [0, 0, 0, 0, 0];
    for (const c of classes) counts[c]! += 1;
    expect(counts[0]).toBe(0);
    expect(counts[2]! + counts[3]!).toBeGreaterThan(0.1 * classes.length);
    expect(counts[4]).toBeGreaterThan(0.02 * classes.length);

    // Clouds where the image is bright: B02 block-averaged to 20 m, read by GDAL from the clone.
    const raw = join(tmp, 'b02.raw');
    const sub = `SENTINEL2_L1C:${join(sample, 'MTD_MSIL1C.xml')}:10m:EPSG_32631`;
    execFileSync('gdal_translate', [
      '-q',
      '-of',
      'ENVI',
      '-ot',
      'UInt16',
      '-b',
      '3',
      '-outsize',
      '126',
      '126',
      '-r',
      'average',
      sub,
      raw,
    ]);
    const b02 = new Uint16Array(readFileSync(raw).buffer.slice(0));
    let bright = 0;
    let brightCloud = 0;
    let dark = 0;
    let darkCloud = 0;
    for (let i = 0; i < classes.length; i++) {
      const cloudy = classes[i] === 2 || classes[i] === 3;
      if (b02[i]! > 2500) {
        bright++;
        if (cloudy) brightCloud++;
      } else if (b02[i]! < 1500) {
        dark++;
        if (cloudy) darkCloud++;
      }
    }
    expect(bright).toBeGreaterThan(1000);
    expect(brightCloud / bright).toBeGreaterThan(0.9);
    expect(darkCloud / dark).toBeLessThan(0.1);

    // Shadows on the right side: the shift that lays the most cloud onto shadow points west
    // (the sun stands at azimuth ~73 deg), by more than it points north or south.
    let best = { dx: 0, dy: 0, hits: -1 };
    for (let dy = -25; dy <= 25; dy++) {
      for (let dx = -25; dx <= 25; dx++) {
        let hits = 0;
        for (let y = Math.max(0, -dy); y < Math.min(w, w - dy); y++) {
          for (let x = Math.max(0, -dx); x < Math.min(w, w - dx); x++) {
            if (classes[y * w + x] === 2 && classes[(y + dy) * w + x + dx] === 4) hits++;
          }
        }
        if (hits > best.hits) best = { dx, dy, hits };
      }
    }
    expect(best.dx).toBeLessThan(-5);
    expect(Math.abs(best.dy)).toBeLessThan(Math.abs(best.dx));
  });
});
