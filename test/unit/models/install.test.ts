import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCard } from '../../../electron/core/models/card-load.js';
import { buildModel, installFromFile } from '../../../electron/core/models/install.js';
import { CARDS_DIR, WEIGHTS_4B, WEIGHTS_6B, tempDir } from './helpers.js';

describe('building and installing models', () => {
  it('builds both DL-L8S2-UV models with the sha256 pinned in their cards', async () => {
    const build = tempDir('build');
    for (const [id, weights] of [
      ['dl-l8s2-uv-6b', WEIGHTS_6B],
      ['dl-l8s2-uv-4b', WEIGHTS_4B],
    ] as const) {
      const card = await loadCard(join(CARDS_DIR, id, 'model.json'));
      const r = await buildModel(card, weights, build);
      expect(r.sha256).toBe(card.file.sha256);
      expect(readFileSync(`${r.file}.sha256`, 'utf8')).toBe(`${r.sha256}  ${id}.onnx\n`);
    }
  });

  it('refuses weights whose hash differs from the card, leaving nothing behind', async () => {
    const build = tempDir('build');
    const card = await loadCard(join(CARDS_DIR, 'dl-l8s2-uv-6b', 'model.json'));
    await expect(buildModel(card, WEIGHTS_4B, build)).rejects.toThrow(/field "file.weights.sha256"/);
    expect(existsSync(join(build, 'dl-l8s2-uv-6b.onnx'))).toBe(false);
  });

  it('installs an ONNX file after checking its hash and graph; rejects a mismatching one', async () => {
    const build = tempDir('build');
    const src = tempDir('src');
    const card4 = await loadCard(join(CARDS_DIR, 'dl-l8s2-uv-4b', 'model.json'));
    const built = await buildModel(card4, WEIGHTS_4B, src);
    const r = await installFromFile(card4, built.file, build);
    expect(r.file).toBe(join(build, 'dl-l8s2-uv-4b.onnx'));
    // A user-supplied model (no pinned hash) is still checked against its card's graph.
    const card6 = await loadCard(join(CARDS_DIR, 'dl-l8s2-uv-6b', 'model.json'));
    const { name: _name, ...anyInput } = card6.input; // no input name: the model's only input is used
    const userCard = {
      ...card6,
      input: anyInput,
      file: { name: 'mine.onnx', sha256: null, origin: 'user' as const },
    };
    await expect(installFromFile(userCard, built.file, build, 'mine/model.json')).rejects.toThrow(
      /does not match its card mine\/model.json: input "input_3" takes 4 channels but the card lists 6 bands/,
    );
    expect(existsSync(join(build, 'mine.onnx'))).toBe(false);
    const junk = join(src, 'junk.onnx');
    writeFileSync(junk, 'junk');
    await expect(installFromFile(card4, junk, build)).rejects.toThrow(/junk.onnx: sha256 .* differs/);
  });
});
