import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importModelFile, listModels } from '../../../../electron/core/models/catalog.js';
import { sha256File } from '../../../../electron/core/models/files.js';
import { findS2cloudlessModels } from '../../../../electron/core/models/s2cloudless/find.js';
import { ROOT } from '../../../helpers/env.js';
import { modelText, randomTree, rng, type TestModel } from '../../../helpers/lightgbm-model.js';

const tmp = mkdtempSync(join(tmpdir(), 's2cloudless-install-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function model(features: number, objective = 'binary sigmoid:1'): string {
  const random = rng(features);
  const m: TestModel = {
    numFeatures: features,
    objective,
    trees: Array.from({ length: 3 }, () => randomTree(5, features, random)),
  };
  return modelText(m);
}

/** A fake site-packages with s2cloudless/models holding the given files. */
function sitePackages(name: string, files: Record<string, string>): string {
  const site = join(tmp, name, 'lib/python3.11/site-packages');
  const models = join(site, 's2cloudless/models');
  mkdirSync(models, { recursive: true });
  writeFileSync(join(site, 's2cloudless/__init__.py'), '');
  for (const [f, text] of Object.entries(files)) writeFileSync(join(models, f), text);
  return site;
}

/** A models folder of the test's own with the s2cloudless card (catalog functions take a root). */
function modelsRoot(name: string): string {
  const root = join(tmp, name);
  cpSync(join(ROOT, 'native-models/s2cloudless'), join(root, 's2cloudless'), { recursive: true });
  return root;
}

describe('s2cloudless model discovery', () => {
  const site = sitePackages('home/.local', {
    'pixel_s2_cloud_detector_lightGBM_v0.1.txt': model(10),
    'pixel_s2_cloud_detector_lightGBM_v0.2.txt': model(10),
    'notes.txt': 'tree\nbut not named like a model',
    'pixel_s2_cloud_detector_lightGBM_v0.3.txt': 'not a model',
  });

  it('finds the package python3 reports, and the usual site-packages, once each', async () => {
    // A stand-in interpreter that answers as find_spec would.
    const py = join(tmp, 'fake-python');
    writeFileSync(py, `#!/bin/sh\necho "${join(site, 's2cloudless')}"\n`);
    chmodSync(py, 0o755);
    const found = await findS2cloudlessModels({ python: py, sitePackages: [site] });
    expect(found).toEqual([
      { path: join(site, 's2cloudless/models/pixel_s2_cloud_detector_lightGBM_v0.1.txt'), via: 'python' },
      { path: join(site, 's2cloudless/models/pixel_s2_cloud_detector_lightGBM_v0.2.txt'), via: 'python' },
    ]);
    // Without python: ~/.local/lib/python3.*/site-packages under the home folder.
    const viaHome = await findS2cloudlessModels({ python: null, home: join(tmp, 'home') });
    expect(viaHome.map((c) => c.via)).toEqual(['site-packages', 'site-packages']);
  });

  it('never fails: a missing or hanging interpreter gives no candidates', async () => {
    expect(await findS2cloudlessModels({ python: join(tmp, 'no-such-python'), sitePackages: [] })).toEqual(
      [],
    );
    const slow = join(tmp, 'slow-python');
    writeFileSync(slow, '#!/bin/sh\nsleep 5\n');
    chmodSync(slow, 0o755);
    expect(await findS2cloudlessModels({ python: slow, timeoutMs: 200, sitePackages: [] })).toEqual([]);
  });

  it('npm run models -- find s2cloudless answers whether or not a package is there', () => {
    const r = spawnSync('node', ['--import', 'tsx', 'native-models/build-models.ts', 'find', 's2cloudless'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, HOME: join(tmp, 'empty-home') },
    });
    expect(r.status === 0 ? r.stdout : r.stdout).toMatch(
      r.status === 0
        ? /install one with: npm run models -- install s2cloudless /
        : /s2cloudless: no model file found/,
    );
  }, 60_000);
});

describe('s2cloudless install', () => {
  it('installs a LightGBM text model onto the s2cloudless card with its .sha256, recognised as one', async () => {
    const root = modelsRoot('models-a');
    const file = join(tmp, 'pixel_s2_cloud_detector_lightGBM_v0.1.txt');
    writeFileSync(file, model(10));
    let [entry] = await listModels({ root, findCandidates: async () => [file] });
    expect(entry).toMatchObject({
      id: 's2cloudless',
      runtime: 'lightgbm',
      installed: false,
      state: 'not-installed',
    });
    expect(entry!.candidates).toEqual([file]);
    expect(entry!.stateMessage).toContain(`found ${file}`);

    const installed = await importModelFile(file, { root });
    expect(installed).toMatchObject({ id: 's2cloudless', installed: true, state: 'ready' });
    const out = join(root, 'build', 's2cloudless.txt');
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(file, 'utf8'));
    expect(readFileSync(`${out}.sha256`, 'utf8')).toBe(`${await sha256File(file)}  s2cloudless.txt\n`);
    [entry] = await listModels({ root, findCandidates: async () => [file] });
    expect(entry).toMatchObject({ installed: true, onnxPath: out });
    expect(entry!.candidates).toBeUndefined();
  });

  it('takes a 13-feature (all bands) model too', async () => {
    const root = modelsRoot('models-b');
    const file = join(tmp, 'all-bands.txt');
    writeFileSync(file, model(13));
    expect(await importModelFile(file, { root, id: 's2cloudless' })).toMatchObject({ installed: true });
  });

  it('refuses files s2cloudless cannot run, in words, leaving nothing installed', async () => {
    const root = modelsRoot('models-c');
    const cases: [string, string, RegExp][] = [
      [
        'seven.txt',
        model(7),
        /seven\.txt: the model takes 7 features; s2cloudless models take 10 \(B01 B02 B04 B05 B08 B8A B09 B10 B11 B12\) or 13/,
      ],
      [
        'regression.txt',
        model(10, 'regression'),
        /regression\.txt: the model's objective is "regression", not a binary classifier/,
      ],
      ['cut.txt', model(10).slice(0, 400), /cut\.txt: not a usable LightGBM text model/],
    ];
    const cat = model(10).replace(/decision_type=(\d+)/, 'decision_type=1');
    cases.push(['categorical.txt', cat, /categorical\.txt: .*categorical split/]);
    for (const [name, text, message] of cases) {
      const file = join(tmp, name);
      writeFileSync(file, text);
      await expect(importModelFile(file, { root, id: 's2cloudless' })).rejects.toMatchObject({
        code: 'BAD_MODEL',
        message: expect.stringMatching(message),
      });
    }
    expect(existsSync(join(root, 'build', 's2cloudless.txt'))).toBe(false);
  });
});
