/**
 * KappaMask's published weights are weights-only checkpoints (ModelCheckpoint(save_weights_only=
 * True)): no model_config, layer names from whatever session saved them. The cards ship the Keras
 * config (file.kerasConfig); these tests install generated weights-only files through
 * installFromFile with a card whose config matches them, and check the result against the numpy
 * reference, with shifted layer names, and with weights that do not fit.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelCard } from '../../../../electron/core/models/card.js';
import { loadCard } from '../../../../electron/core/models/card-load.js';
import { validateCard } from '../../../../electron/core/models/card-validate.js';
import { installFromFile } from '../../../../electron/core/models/install.js';
import { readKerasH5 } from '../../../../electron/core/models/keras/hdf5.js';
import { CARDS_DIR, canDecodeCrop, tempDir } from '../helpers.js';
import { CLASSES, N, PY, cropTensor, makeWeights, maxAbsDiff, runNumpy, runOnnx } from './crop.js';

const IDS = ['kappamask-l1c', 'kappamask-l2a'] as const;
const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));

describe('KappaMask cards ship their Keras config', () => {
  it('name keras-config.json, a 13-channel, 6-class KappaMask U-Net with default tf.keras names', async () => {
    for (const id of IDS) {
      const card = await loadCard(join(CARDS_DIR, id, 'model.json'));
      expect(card.file.kerasConfig).toBe('keras-config.json');
      const config = readJson(join(CARDS_DIR, id, 'keras-config.json')) as {
        class_name: string;
        config: { layers: { name: string; class_name: string; config: Record<string, unknown> }[] };
      };
      expect(config.class_name).toBe('Functional');
      const { layers } = config.config;
      const convs = layers.filter((l) => l.class_name === 'Conv2D').map((l) => l.name);
      expect(convs).toEqual(['conv2d', ...Array.from({ length: 23 }, (_, i) => `conv2d_${i + 1}`)]);
      expect(layers[0]?.config.batch_input_shape).toEqual([null, 512, 512, card.input.bands.length]);
      expect(layers.at(-1)?.config).toMatchObject({ filters: CLASSES, activation: 'softmax' });
      expect(card.notes.join(' ')).toContain('untested with the real KappaMask weights');
    }
  });

  it.skipIf(PY === null)('are what make_weights.py --config-only writes', () => {
    const work = tempDir('kappamask-config');
    const out = join(work, 'keras-config.json');
    makeWeights(out, '--config-only', '--channels', '13', '--classes', String(CLASSES));
    for (const id of IDS) expect(readJson(join(CARDS_DIR, id, 'keras-config.json'))).toEqual(readJson(out));
  });

  it('validates file.kerasConfig as a .json path inside the card folder, for built models', () => {
    const card = (kerasConfig: string, origin = 'built'): Record<string, unknown> => {
      const json = readJson(join(CARDS_DIR, 'kappamask-l1c', 'model.json')) as Record<string, unknown>;
      Object.assign(json.file as Record<string, unknown>, { kerasConfig, origin });
      return json;
    };
    expect(validateCard(card('configs/unet.json'), 'k.json').file.kerasConfig).toBe('configs/unet.json');
    for (const path of ['../other/keras-config.json', '/abs/keras-config.json', 'config.h5', ''])
      expect(() => validateCard(card(path), 'k.json')).toThrow(/field "file.kerasConfig"/);
    expect(() => validateCard(card('keras-config.json', 'user'), 'k.json')).toThrow(
      /field "file.kerasConfig" is only used with origin "built"/,
    );
  });
});

describe.skipIf(PY === null || !canDecodeCrop())(
  'installing weights-only KappaMask files (generated, filters / 8) with the card config',
  () => {
    const work = tempDir('kappamask-wo');
    const cardDir = join(work, 'cards', 'kappamask-l1c');
    const cardFile = join(cardDir, 'model.json');
    const weights = (name: string): string => join(work, name);
    const common = ['--width-scale', '8', '--seed', '7', '--logit-gain', '40', '--weights-only'];
    let card: ModelCard;
    let input: Float32Array;
    let probs: Float32Array;

    beforeAll(async () => {
      // The real card with the real kerasConfig field, in a temp folder whose keras-config.json
      // is the same architecture at filters / 8.
      mkdirSync(cardDir, { recursive: true });
      writeFileSync(cardFile, readFileSync(join(CARDS_DIR, 'kappamask-l1c', 'model.json')));
      makeWeights(join(cardDir, 'keras-config.json'), '--config-only', '--width-scale', '8');
      card = await loadCard(cardFile);
      makeWeights(weights('l1c_unet.hdf5'), ...common);
      makeWeights(weights('shifted.hdf5'), ...common, '--models-before', '1');
      makeWeights(weights('channels.hdf5'), ...common, '--channels', '10');
      makeWeights(weights('shifted-wide.hdf5'), ...common, '--models-before', '1', '--width-scale', '4');
      input = cropTensor(card, work);
    }, 60_000);

    it('installs through installFromFile; softmax matches the numpy reference to < 1e-4', async () => {
      expect((await readKerasH5(weights('l1c_unet.hdf5'))).config).toBeUndefined();
      const build = tempDir('kappamask-wo-build');
      const r = await installFromFile(card, weights('l1c_unet.hdf5'), build, cardFile);
      expect(r.file).toBe(join(build, 'kappamask-l1c.onnx'));
      expect(readFileSync(`${r.file}.sha256`, 'utf8')).toBe(`${r.sha256}  kappamask-l1c.onnx\n`);
      const onnx = readFileSync(r.file);
      expect(onnx.includes('keras_config_sha256')).toBe(true);
      probs = await runOnnx(r.file, input, card.input.bands.length);
      const ref = runNumpy(weights('l1c_unet.hdf5'), input, card.input.bands.length, work, false);
      const diff = maxAbsDiff(probs, ref);
      const winners = new Set<number>();
      for (let p = 0; p < N * N; p++) {
        let best = 0;
        for (let k = 1; k < CLASSES; k++)
          if ((probs[k * N * N + p] ?? 0) > (probs[best * N * N + p] ?? 0)) best = k;
        winners.add(best);
      }
      console.info(
        `kappamask-l1c weights-only install: max |onnx - numpy| softmax ${diff.toExponential(2)}; ${winners.size} distinct argmax channels`,
      );
      expect(diff).toBeLessThan(1e-4);
      expect(winners.size).toBeGreaterThan(1);
    }, 60_000);

    it('installs a checkpoint whose layers are named from another session (conv2d_24...)', async () => {
      const h5 = await readKerasH5(weights('shifted.hdf5'));
      const names = [...h5.weights].filter(([, ws]) => ws.length > 0).map(([n]) => n);
      expect(names.slice(0, 2)).toEqual(['conv2d_24', 'conv2d_25']);
      expect(names.at(-1)).toBe('conv2d_47');
      const r = await installFromFile(card, weights('shifted.hdf5'), tempDir('kappamask-wo-build'), cardFile);
      const shifted = await runOnnx(r.file, input, card.input.bands.length);
      expect(probs).toBeDefined();
      expect(maxAbsDiff(shifted, probs)).toBe(0);
    }, 60_000);

    it('refuses weights that do not fit the config, naming the layer, leaving nothing behind', async () => {
      const build = tempDir('kappamask-wo-build');
      await expect(installFromFile(card, weights('channels.hdf5'), build, cardFile)).rejects.toThrow(
        /channels\.hdf5: layer "conv2d" does not fit the Keras config: weight "kernel" has shape \[3, 3, 10, 8\], the config expects \[3, 3, 13, 8\]/,
      );
      await expect(installFromFile(card, weights('shifted-wide.hdf5'), build, cardFile)).rejects.toThrow(
        /layer "conv2d_24" \(matched to the config's layer "conv2d" by order\) does not fit the Keras config: weight "kernel" has shape \[3, 3, 13, 16\], the config expects \[3, 3, 13, 8\]/,
      );
      expect(existsSync(join(build, 'kappamask-l1c.onnx'))).toBe(false);
    });

    it('says which card field is missing when the card has no kerasConfig', async () => {
      const bare: ModelCard = { ...card, file: { ...card.file } };
      delete bare.file.kerasConfig;
      await expect(
        installFromFile(bare, weights('l1c_unet.hdf5'), tempDir('kappamask-wo-build'), cardFile),
      ).rejects.toThrow(/has no model_config .* has no field "file.kerasConfig"/);
    });
  },
);
