import { writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { S2Error } from '../../../electron/core/errors.js';
import { loadCard, loadCards } from '../../../electron/core/models/card-load.js';
import { validateCard } from '../../../electron/core/models/card-validate.js';
import { CARDS_DIR, tempDir } from './helpers.js';

const sixBand = (): Record<string, unknown> =>
  JSON.parse(readFileSync(join(CARDS_DIR, 'dl-l8s2-uv-6b', 'model.json'), 'utf8')) as Record<string, unknown>;

function thrown(fn: () => unknown): S2Error {
  try {
    fn();
  } catch (err) {
    if (err instanceof S2Error) return err;
    throw err;
  }
  throw new Error('expected an S2Error');
}

describe('model cards', () => {
  it('loads the shipped cards, the 6-band DL-L8S2-UV first among equals', async () => {
    const cards = await loadCards(CARDS_DIR);
    expect(cards.map((c) => c.id)).toEqual([
      'dl-l8s2-uv-4b',
      'dl-l8s2-uv-6b',
      'kappamask-l1c',
      'kappamask-l2a',
      's2cloudless',
    ]);
    const six = cards.find((c) => c.id === 'dl-l8s2-uv-6b');
    expect(six?.input.bands).toEqual(['B02', 'B03', 'B04', 'B08', 'B11', 'B12']);
    expect(six?.input.levels).toEqual(['L1C']);
    expect(six?.input.resolution).toBe(20);
    expect(six?.tiling).toEqual({ size: 512, multiple: 8, margin: 16, padding: 'reflect' });
    expect(six?.output).toMatchObject({ kind: 'sigmoid', threshold: 0.5, classes: [2], otherwise: 1 });
    expect(six?.file.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names the card file and every wrong field in one error', () => {
    const card = sixBand();
    (card.input as Record<string, unknown>).bands = ['B02', 'B13'];
    (card.tiling as Record<string, unknown>).size = 1020;
    (card.output as Record<string, unknown>).threshold = 1.5;
    delete card.licence;
    const err = thrown(() => validateCard(card, 'native-models/x/model.json'));
    expect(err.code).toBe('BAD_MODEL_CARD');
    expect(err.message).toContain('native-models/x/model.json');
    expect(err.message).toContain('field "input.bands[1]" "B13" is not a Sentinel-2 band name');
    expect(err.message).toContain('field "tiling.size" (1020) must be a multiple of tiling.multiple (8)');
    expect(err.message).toContain('field "output.threshold" must be between 0 and 1');
    expect(err.message).toContain('field "licence" is missing');
    expect(err.details?.errors).toHaveLength(4);
  });

  it('checks mean/std against the bands and class values against the schema', () => {
    const card = sixBand();
    (card.input as Record<string, unknown>).scaling = { kind: 'reflectance', mean: [0.1, 0.2], std: [1, 1] };
    card.output = { kind: 'softmax', channels: 3, classes: [1, 2, 7] };
    const err = thrown(() => validateCard(card, 'c.json'));
    expect(err.message).toContain('field "input.scaling.mean" has 2 values for 6 bands');
    expect(err.message).toContain('field "output.classes[2]" must be a class of the schema');
  });

  it('reports broken JSON and an id that is not its folder name', async () => {
    const dir = tempDir('cards');
    mkdirSync(join(dir, 'broken'));
    writeFileSync(join(dir, 'broken', 'model.json'), '{ "id": ');
    await expect(loadCard(join(dir, 'broken', 'model.json'))).rejects.toThrow(
      /broken\/model.json: the model card is not valid JSON/,
    );
    mkdirSync(join(dir, 'other'));
    writeFileSync(join(dir, 'other', 'model.json'), JSON.stringify(sixBand()));
    await expect(loadCard(join(dir, 'other', 'model.json'))).rejects.toThrow(
      /field "id" \("dl-l8s2-uv-6b"\) must equal its folder name \("other"\)/,
    );
  });
});
