import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { delimiter, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { S2Error } from '../../../electron/core/errors.js';
import { checkCardAgainstGraph } from '../../../electron/core/models/card-check.js';
import { loadCard } from '../../../electron/core/models/card-load.js';
import { convertKerasFile } from '../../../electron/core/models/convert.js';
import {
  createSession,
  cudaLibraryPresent,
  vulkanLoaderPresent,
} from '../../../electron/core/models/session.js';
import { CARDS_DIR, WEIGHTS_4B, tempDir } from './helpers.js';

describe('ONNX session factory', () => {
  const work = tempDir('session');
  const model = join(work, 'dl-l8s2-uv-4b.onnx');
  beforeAll(async () => {
    await convertKerasFile(WEIGHTS_4B, model);
  });

  it('tries each provider on its own and says in one line which one runs', async () => {
    const lines: string[] = [];
    const { session, provider, threads } = await createSession(model, { log: (l) => lines.push(l) });
    await session.release();
    // No GPU here: CUDA's libraries are not installed and WebGPU finds no adapter.
    if (!cudaLibraryPresent()) expect(provider).not.toBe('cuda');
    expect(threads).toBe(availableParallelism());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`runs on ${provider}, ${threads} threads`);
    if (!cudaLibraryPresent()) expect(lines[0]).toContain('cuda: provider libraries not installed');
  });

  it('tries WebGPU by default only where a Vulkan loader exists (else Dawn warns on stderr)', async () => {
    const lines: string[] = [];
    const { session } = await createSession(model, { log: (l) => lines.push(l) });
    await session.release();
    if (!vulkanLoaderPresent()) expect(lines[0]).toContain('webgpu: no Vulkan loader (libvulkan.so.1)');
    else expect(lines[0]).not.toContain('no Vulkan loader');
  });

  it('finds a Vulkan loader in the linker cache or LD_LIBRARY_PATH; other platforms need none', () => {
    const cache = join(work, 'ld.so.cache');
    writeFileSync(cache, Buffer.concat([Buffer.from('glibc-ld.so.cache1.1\0libz.so.1\0'), Buffer.alloc(8)]));
    expect(vulkanLoaderPresent(cache, '', 'linux')).toBe(false);
    writeFileSync(cache, Buffer.from('glibc-ld.so.cache1.1\0libvulkan.so.1\0/usr/lib/libvulkan.so.1\0'));
    expect(vulkanLoaderPresent(cache, '', 'linux')).toBe(true);
    const libDir = join(work, 'lib');
    mkdirSync(libDir, { recursive: true });
    writeFileSync(join(libDir, 'libvulkan.so.1'), '');
    writeFileSync(cache, 'glibc-ld.so.cache1.1');
    expect(vulkanLoaderPresent(cache, `/nonexistent${delimiter}${libDir}`, 'linux')).toBe(true);
    expect(vulkanLoaderPresent(cache, '', 'win32')).toBe(true);
  });

  it("falls back to CPU where ONNX Runtime's own ['cuda', 'cpu'] list would throw", async () => {
    const { session, provider } = await createSession(model, { providers: ['cuda', 'cpu'], log: () => {} });
    await session.release();
    expect(provider).toBe(cudaLibraryPresent() ? 'cuda' : 'cpu');
  });

  it('turns a corrupt or truncated file into BAD_MODEL naming the file', async () => {
    const junk = join(work, 'junk.onnx');
    writeFileSync(junk, 'this is not a model');
    await expect(createSession(junk, { log: () => {} })).rejects.toMatchObject({
      code: 'BAD_MODEL',
      file: junk,
      message: expect.stringContaining(`${junk}: not a valid ONNX model`),
    });
    const cut = join(work, 'cut.onnx');
    const bytes = readFileSync(model);
    writeFileSync(cut, bytes.subarray(0, bytes.length >> 1));
    const err = await createSession(cut, { providers: ['cpu'], log: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(S2Error);
    expect((err as S2Error).message).toMatch(/cut.onnx: not a valid ONNX model \(.*truncated/);
    await expect(createSession(join(work, 'absent.onnx'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('checks a card against the graph: channels, names', async () => {
    const cardFile = join(CARDS_DIR, 'dl-l8s2-uv-4b', 'model.json');
    const card = await loadCard(cardFile);
    const { session } = await createSession(model, { providers: ['cpu'], log: () => {} });
    try {
      expect(checkCardAgainstGraph(card, session, model, cardFile)).toEqual({
        inputName: 'input_3',
        outputName: 'linear_model',
      });
      const sixBands = {
        ...card,
        input: { ...card.input, bands: [...card.input.bands, 'B11' as const, 'B12' as const] },
      };
      expect(() => checkCardAgainstGraph(sixBands, session, model, cardFile)).toThrow(
        /does not match its card .*model.json: input "input_3" takes 4 channels but the card lists 6 bands/,
      );
      const renamed = { ...card, input: { ...card.input, name: 'x' } };
      expect(() => checkCardAgainstGraph(renamed, session, model, cardFile)).toThrow(
        /"input.name" is "x" but the model's inputs are input_3/,
      );
      const threeClasses = {
        ...card,
        output: { kind: 'softmax' as const, channels: 3, classes: [1, 2, 4] as (1 | 2 | 4)[] },
      };
      expect(() => checkCardAgainstGraph(threeClasses, session, model, cardFile)).toThrow(
        /output "linear_model" has 1 channels but the card says 3/,
      );
    } finally {
      await session.release();
    }
  });
});
