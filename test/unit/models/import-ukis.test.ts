import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importUkisCard } from '../../../electron/core/models/import-ukis.js';
import { UKIS_CARDS } from './helpers.js';

describe('ukis-csmask card import', () => {
  const files = readdirSync(UKIS_CARDS).filter((f) => f.endsWith('.json'));

  it('turns all four upstream JSON files into valid cards that ask the user for the ONNX file', () => {
    const cards = files.map((f) => importUkisCard(JSON.parse(readFileSync(join(UKIS_CARDS, f), 'utf8')), f));
    expect(cards.map((c) => c.id).sort()).toEqual([
      'ukis-csmask-4b-l1c',
      'ukis-csmask-4b-l2a',
      'ukis-csmask-6b-l1c',
      'ukis-csmask-6b-l2a',
    ]);
    for (const card of cards) {
      expect(card.file).toMatchObject({ origin: 'user', sha256: null });
      expect(card.output).toMatchObject({ kind: 'softmax', channels: 3, classes: [1, 2, 4] });
      expect(card.input.scaling.mean).toHaveLength(card.input.bands.length);
      expect(card.tiling.size).toBe(256);
    }
  });

  it('maps the band names and keeps mean/std in band order', () => {
    const json = JSON.parse(readFileSync(join(UKIS_CARDS, 'model_6b_l1c.json'), 'utf8')) as {
      data: { dataset_statistics: { img: number[][] } };
    };
    const card = importUkisCard(json, 'model_6b_l1c.json');
    expect(card.input.bands).toEqual(['B02', 'B03', 'B04', 'B08', 'B11', 'B12']);
    expect(card.input.levels).toEqual(['L1C']);
    expect(card.input.scaling.mean).toEqual(json.data.dataset_statistics.img[0]);
    expect(card.input.scaling.std).toEqual(json.data.dataset_statistics.img[1]);
  });

  it('rejects a file that is not an ukis-csmask model JSON, naming it', () => {
    expect(() => importUkisCard({ data: { in_channels: 4, classes: 5 } }, 'x.json')).toThrow(
      /x.json: field "data.classes" is 5/,
    );
  });
});
