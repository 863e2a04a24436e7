import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCard } from '../../../electron/core/models/card-load.js';
import type { ModelCard } from '../../../electron/core/models/card.js';
import { importModel } from '../../../electron/core/models/import-model.js';
import { ensureBuiltModel } from '../../helpers/models.js';
import { tempDir, UKIS_CARDS } from './helpers.js';

describe("importing a user's own ONNX model with a card", () => {
  const root = tempDir('import');
  let onnx: string;
  let base: ModelCard;
  beforeAll(async () => {
    const built = await ensureBuiltModel('dl-l8s2-uv-4b');
    onnx = built.file;
    base = built.card;
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const writeCard = (name: string, card: unknown): string => {
    const f = join(root, name);
    writeFileSync(f, JSON.stringify(card));
    return f;
  };
  const userCard = (id: string, over: Partial<ModelCard['input']> = {}): ModelCard => ({
    ...base,
    id,
    name: `My ${id}`,
    input: { ...base.input, ...over },
    file: { name: `${id}.onnx`, sha256: null, origin: 'user' },
  });

  it('checks the graph against the card, then installs both', async () => {
    const r = await importModel(writeCard('mine.json', userCard('my-model')), onnx, root);
    expect(r.file).toBe(join(root, 'build', 'my-model.onnx'));
    expect(existsSync(r.file)).toBe(true);
    const card = await loadCard(r.cardFile);
    expect(card.id).toBe('my-model');
    expect(readFileSync(`${r.file}.sha256`, 'utf8')).toContain(r.sha256);
  });

  it('refuses a card whose bands do not match the graph, writing nothing', async () => {
    const bad = userCard('six-bands', { bands: ['B02', 'B03', 'B04', 'B08', 'B11', 'B12'] });
    await expect(importModel(writeCard('bad.json', bad), onnx, root)).rejects.toThrow(/channel|band/i);
    expect(existsSync(join(root, 'six-bands'))).toBe(false);
    expect(existsSync(join(root, 'build', 'six-bands.onnx'))).toBe(false);
  });

  it('does not replace an installed model unless asked', async () => {
    const f = writeCard('again.json', userCard('my-model'));
    await expect(importModel(f, onnx, root)).rejects.toThrow(/already installed/);
    await expect(importModel(f, onnx, root, { replace: true })).resolves.toBeDefined();
  });

  it('reads ukis-csmask model JSON and checks its graph the same way', async () => {
    // The ukis ONNX files are not available here: DL-L8S2-UV's graph must be refused by a
    // 4-band 3-class card (one output channel, not three).
    await expect(importModel(join(UKIS_CARDS, 'model_4b_l1c.json'), onnx, root)).rejects.toThrow(/output/i);
  });

  it('says what is wrong with a card that is not JSON', async () => {
    const f = join(root, 'broken.json');
    writeFileSync(f, '{ not json');
    await expect(importModel(f, onnx, root)).rejects.toThrow(/broken\.json: cannot read the card as JSON/);
  });
});
