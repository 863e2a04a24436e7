/** The GUI's model catalogue: cards, install state, and importing model files into a models folder. */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S2Error } from '../../../electron/core/errors.js';
import {
  DEFAULT_MODEL_ID,
  getModel,
  importModelFile,
  listModels,
} from '../../../electron/core/models/catalog.js';
import type { ModelCard } from '../../../electron/core/models/card.js';
import { builtModelsDir, modelsDir } from '../../../electron/core/models/paths.js';
import { ensureBuiltModel } from '../../helpers/models.js';
import { CARDS_DIR, tempDir } from './helpers.js';

const failure = async (p: Promise<unknown>): Promise<S2Error> => {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(S2Error);
  return err as S2Error;
};

describe("the repository's model catalogue", () => {
  beforeAll(async () => {
    await ensureBuiltModel('dl-l8s2-uv-6b');
  });

  it('lists the five cards, the default model first among equals, as plain JSON', async () => {
    const models = await listModels();
    expect(models.map((m) => m.id)).toEqual([
      'dl-l8s2-uv-4b',
      'dl-l8s2-uv-6b',
      'kappamask-l1c',
      'kappamask-l2a',
      's2cloudless',
    ]);
    expect(models.filter((m) => m.isDefault).map((m) => m.id)).toEqual([DEFAULT_MODEL_ID]);
    expect(DEFAULT_MODEL_ID).toBe('dl-l8s2-uv-6b');
    const six = models.find((m) => m.id === 'dl-l8s2-uv-6b')!;
    expect(six).toMatchObject({
      bands: ['B02', 'B03', 'B04', 'B08', 'B11', 'B12'],
      resolution: 20,
      levels: ['L1C'],
      licence: 'MIT',
      classes: [
        { value: 1, name: 'clear' },
        { value: 2, name: 'cloud' },
      ],
      cardPath: join(modelsDir(), 'dl-l8s2-uv-6b', 'model.json'),
    });
    expect(six.source.citation).toMatch(/Remote Sensing/);
    const km = models.find((m) => m.id === 'kappamask-l2a')!;
    expect(km.classes.map((c) => c.value)).toEqual([1, 2, 3, 4]);
    expect(km.bands).toContain('AOT');
    expect(JSON.parse(JSON.stringify(models))).toStrictEqual(models);
  });

  it('marks the shipped ONNX model installed, with its path beside the card, size and sha256', async () => {
    const { card } = await ensureBuiltModel('dl-l8s2-uv-6b');
    const six = await getModel('dl-l8s2-uv-6b', { verify: true });
    const shipped = join(modelsDir(), 'dl-l8s2-uv-6b', 'dl-l8s2-uv-6b.onnx');
    expect(six).toMatchObject({
      installed: true,
      state: 'ready',
      onnxPath: shipped,
      sha256: card.file.sha256,
    });
    expect(six.stateMessage).toMatch(/ships with the application/);
    expect(six.sizeBytes).toBe(readFileSync(shipped).length);
  });

  it('ships both DL-L8S2-UV models with their pinned sha256, the MIT licence and the citation', async () => {
    for (const id of ['dl-l8s2-uv-4b', 'dl-l8s2-uv-6b']) {
      const m = await getModel(id, { verify: true });
      expect(m.state).toBe('ready');
      expect(m.onnxPath).toBe(join(modelsDir(), id, `${id}.onnx`));
      expect(m.onnxPath).not.toContain(builtModelsDir());
      const notice = readFileSync(join(modelsDir(), id, 'NOTICE.md'), 'utf8');
      expect(notice).toMatch(/^MIT License$/m);
      expect(notice).toMatch(/Permission is hereby granted, free of charge/);
      expect(notice).toMatch(/Remote Sensing 13\(5\), 992/);
    }
  });

  it('says which model ids exist when asked for an unknown one', async () => {
    const e = await failure(getModel('nope'));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toMatch(/No model "nope" .*dl-l8s2-uv-6b/);
  });
});

describe('a models folder of its own (imports never touch native-models)', () => {
  const root = tempDir('catalog');
  let onnx4: string;
  let card4: ModelCard;
  beforeAll(async () => {
    const built = await ensureBuiltModel('dl-l8s2-uv-4b');
    onnx4 = built.file;
    card4 = built.card;
    // The cards alone: the ONNX files shipped beside them stay behind.
    for (const id of ['dl-l8s2-uv-4b', 'dl-l8s2-uv-6b'])
      cpSync(join(CARDS_DIR, id), join(root, id), {
        recursive: true,
        filter: (src) => !/\.onnx(\.sha256)?$/.test(src),
      });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('lists cards without files as not built, and a file with the wrong hash as a mismatch', async () => {
    let models = await listModels({ root });
    expect(models.map((m) => [m.id, m.installed, m.state])).toEqual([
      ['dl-l8s2-uv-4b', false, 'not-built'],
      ['dl-l8s2-uv-6b', false, 'not-built'],
    ]);
    // A stale build: the 4-band graph where the 6-band card expects its own file.
    mkdirSync(join(root, 'build'), { recursive: true });
    const wrong = join(root, 'build', 'dl-l8s2-uv-6b.onnx');
    cpSync(onnx4, wrong);
    models = await listModels({ root });
    // No .sha256 file: trusted unless verified.
    expect(models[1]).toMatchObject({ installed: true, state: 'ready' });
    models = await listModels({ root, verify: true });
    expect(models[1]).toMatchObject({ installed: false, state: 'sha256-mismatch' });
    expect(models[1]!.stateMessage).toContain(wrong);
    writeFileSync(`${wrong}.sha256`, `${card4.file.sha256}  dl-l8s2-uv-6b.onnx\n`);
    expect((await listModels({ root }))[1]).toMatchObject({ installed: false, state: 'sha256-mismatch' });
    rmSync(wrong);
    rmSync(`${wrong}.sha256`);
  });

  it('installs an ONNX file onto an existing card, by id or recognised by its hash', async () => {
    const byHash = await importModelFile(onnx4, { root });
    expect(byHash).toMatchObject({
      id: 'dl-l8s2-uv-4b',
      installed: true,
      state: 'ready',
      onnxPath: join(root, 'build', 'dl-l8s2-uv-4b.onnx'),
      sha256: card4.file.sha256,
    });
    const byId = await importModelFile(onnx4, { root, id: 'dl-l8s2-uv-4b' });
    expect(byId.installed).toBe(true);
    // The 4-band graph is not the 6-band card's file.
    const e = await failure(importModelFile(onnx4, { root, id: 'dl-l8s2-uv-6b' }));
    expect(e.message).toContain(onnx4);
    expect(e.message).toMatch(/sha256 .* differs/);
    const unknown = await failure(importModelFile(onnx4, { root, id: 'nope' }));
    expect(unknown.message).toMatch(/No model card "nope" .*have dl-l8s2-uv-4b, dl-l8s2-uv-6b/);
  });

  it("imports a user's model with its card, then lists it", async () => {
    const cardPath = join(root, 'mine.json');
    const card = {
      ...card4,
      id: 'my-model',
      name: 'My model',
      file: { name: 'my-model.onnx', sha256: null, origin: 'user' },
    };
    writeFileSync(cardPath, JSON.stringify(card));
    const mismatch = await failure(importModelFile(onnx4, { root, cardPath, id: 'other' }));
    expect(mismatch.message).toMatch(/for model "my-model", not "other"/);
    const entry = await importModelFile(onnx4, { root, cardPath });
    expect(entry).toMatchObject({
      id: 'my-model',
      installed: true,
      origin: 'user',
      isDefault: false,
      cardPath: join(root, 'my-model', 'model.json'),
    });
    expect((await listModels({ root })).map((m) => m.id)).toContain('my-model');
    const again = await failure(importModelFile(onnx4, { root, cardPath }));
    expect(again.message).toMatch(/already installed/);
    await expect(importModelFile(onnx4, { root, cardPath, replace: true })).resolves.toMatchObject({
      id: 'my-model',
    });
  });

  it('says clearly what is wrong with a bad model file, writing nothing', async () => {
    const cardPath = join(root, 'junk-card.json');
    writeFileSync(
      cardPath,
      JSON.stringify({ ...card4, id: 'junk', file: { name: 'junk.onnx', sha256: null, origin: 'user' } }),
    );
    const junk = join(root, 'junk.onnx');
    writeFileSync(junk, 'this is not an ONNX model');
    const a = await failure(importModelFile(junk, { root, cardPath }));
    expect(a.code).toBe('BAD_MODEL');
    expect(a.message).toContain(junk);
    expect(existsSync(join(root, 'junk'))).toBe(false);
    expect(existsSync(join(root, 'build', 'junk.onnx'))).toBe(false);
    const missing = join(root, 'missing.onnx');
    const b = await failure(importModelFile(missing, { root, cardPath }));
    expect(b.code).toBe('NOT_FOUND');
    expect(b.message).toContain(missing);
    const text = join(root, 'notes.txt');
    writeFileSync(text, 'hello');
    const c = await failure(importModelFile(text, { root }));
    expect(c.message).toMatch(/notes\.txt: not a model file/);
    const d = await failure(importModelFile(junk, { root }));
    expect(d.message).toMatch(/junk\.onnx: no model card matches this file/);
  });
});

describe('the models folder from S2_MODELS_DIR', () => {
  it('lists the cards of the folder the environment names', async () => {
    const root = tempDir('catalog-env');
    cpSync(join(CARDS_DIR, 'kappamask-l1c'), join(root, 'kappamask-l1c'), { recursive: true });
    const before = process.env.S2_MODELS_DIR;
    process.env.S2_MODELS_DIR = root;
    try {
      const models = await listModels();
      expect(models.map((m) => [m.id, m.installed, m.cardPath])).toEqual([
        ['kappamask-l1c', false, join(root, 'kappamask-l1c', 'model.json')],
      ]);
    } finally {
      if (before === undefined) delete process.env.S2_MODELS_DIR;
      else process.env.S2_MODELS_DIR = before;
      rmSync(root, { recursive: true, force: true });
    }
  });
});
