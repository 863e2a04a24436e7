import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCard } from '../../../../electron/core/models/card-load.js';
import { validateCard } from '../../../../electron/core/models/card-validate.js';
import { postprocessFor } from '../../../../electron/core/models/s2cloudless/run.js';
import { ROOT } from '../../../helpers/env.js';

const CARD = join(ROOT, 'native-models/s2cloudless/model.json');
const json = (): Record<string, unknown> => JSON.parse(readFileSync(CARD, 'utf8')) as Record<string, unknown>;

describe('the s2cloudless card', () => {
  it('is a lightgbm card: ten bands in s2cloudless order, L1C, 0.4 threshold, radii per resolution', async () => {
    const card = await loadCard(CARD);
    expect(card.runtime).toBe('lightgbm');
    expect(card.input.bands).toEqual(['B01', 'B02', 'B04', 'B05', 'B08', 'B8A', 'B09', 'B10', 'B11', 'B12']);
    expect(card.input.levels).toEqual(['L1C']);
    expect(card.input.resolution).toBe(60);
    expect(card.output).toMatchObject({ kind: 'sigmoid', threshold: 0.4, classes: [2], otherwise: 1 });
    expect(card.file).toEqual({ name: 's2cloudless.txt', sha256: null, origin: 'user' });
    expect(postprocessFor(card, 60)).toEqual({ averageOver: 4, dilationSize: 2 });
    expect(postprocessFor(card, 20)).toEqual({ averageOver: 11, dilationSize: 6 });
    expect(postprocessFor(card, 10)).toEqual({ averageOver: 22, dilationSize: 11 });
  });

  it('refuses lightgbm cards that cannot run, and post-processing on an ONNX card', () => {
    const a = json();
    (a.file as Record<string, unknown>).name = 's2cloudless.onnx';
    delete a.postprocess;
    (a.tiling as Record<string, unknown>).margin = 8;
    expect(() => validateCard(a, 'x/model.json')).toThrow(
      /field "file\.name" "s2cloudless\.onnx" must match .*txt.*field "postprocess" is missing.*field "tiling\.margin" must be 0 for a pixel classifier/,
    );
    const b = json();
    b.runtime = 'xgboost';
    expect(() => validateCard(b, 'x/model.json')).toThrow(/field "runtime" must be one of onnx, lightgbm/);
    const c = json();
    (c.postprocess as { averageOver: Record<string, unknown> }).averageOver['160'] = 4;
    expect(() => validateCard(c, 'x/model.json')).toThrow(
      /postprocess\.averageOver\.160" must be keyed 10, 20 or 60/,
    );
    const onnx = JSON.parse(
      readFileSync(join(ROOT, 'native-models/dl-l8s2-uv-6b/model.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(validateCard(onnx, 'y').runtime).toBeUndefined();
    onnx.postprocess = json().postprocess;
    expect(() => validateCard(onnx, 'y/model.json')).toThrow(
      /field "postprocess" is only used with runtime "lightgbm"/,
    );
  });
});
