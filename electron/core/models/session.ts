import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { S2Error } from '../errors.js';
import { sniffOnnx } from './onnx/sniff.js';
import { disableRuntimeTelemetry } from './telemetry.js';

export type ProviderName = 'cuda' | 'webgpu' | 'cpu';

// Before the first session: see telemetry.ts. Again in createSession, in case something reset it.
disableRuntimeTelemetry();

/** Fastest first. CPU last: it is always bundled and always works. */
export const DEFAULT_PROVIDERS: readonly ProviderName[] = ['cuda', 'webgpu', 'cpu'];

export interface SessionOptions {
  providers?: readonly ProviderName[];
  /** Intra-op threads; defaults to os.availableParallelism(). */
  threads?: number;
  /** ONNX Runtime's CPU memory arena (default on: see createSession). */
  memoryArena?: boolean;
  /** Let idle intra-op threads spin (default off: see createSession). */
  spinning?: boolean;
  /** Receives the one line saying which provider runs the model (default: console.info). */
  log?: (line: string) => void;
}

export interface ModelSession {
  session: ort.InferenceSession;
  provider: ProviderName;
  file: string;
  threads: number;
}

const CUDA_LIBRARY: Partial<Record<NodeJS.Platform, string>> = {
  linux: 'libonnxruntime_providers_cuda.so',
  win32: 'onnxruntime_providers_cuda.dll',
};

/**
 * onnxruntime-node bundles CPU and WebGPU; the CUDA provider is a separate download (its install
 * script, skipped offline). Asking for it when absent throws, so look for the library first.
 */
export function cudaLibraryPresent(): boolean {
  const lib = CUDA_LIBRARY[process.platform];
  if (!lib) return false;
  try {
    const pkg = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
    return existsSync(join(pkg, 'bin', 'napi-v6', process.platform, process.arch, lib));
  } catch {
    return false;
  }
}

/**
 * Whether Linux has a Vulkan loader (libvulkan.so.1), which ONNX Runtime's WebGPU provider (Dawn)
 * needs there: in the dynamic linker's cache (/etc/ld.so.cache names every library it knows) or
 * in a folder of LD_LIBRARY_PATH. Without one, trying WebGPU only prints Dawn's "Couldn't load
 * Vulkan" warning on stderr and fails. Other platforms use D3D12 or Metal: true there.
 */
export function vulkanLoaderPresent(
  cacheFile = '/etc/ld.so.cache',
  libraryPath: string | undefined = process.env.LD_LIBRARY_PATH,
  platform: NodeJS.Platform = process.platform,
): boolean {
  if (platform !== 'linux') return true;
  const name = 'libvulkan.so.1';
  for (const dir of (libraryPath ?? '').split(delimiter)) {
    if (dir !== '' && existsSync(join(dir, name))) return true;
  }
  try {
    return readFileSync(cacheFile).includes(name);
  } catch {
    // No cache (some minimal or musl systems): look where distributions put it.
    return [
      '/usr/lib',
      '/usr/lib64',
      '/lib',
      `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
    ].some((dir) => existsSync(join(dir, name)));
  }
}

/** The human part of an ONNX Runtime error: drops its source location and failed-check prefix. */
function reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const line = text.split('\n')[0] ?? text;
  const afterCheck = /was false\.\s*(.+)$/.exec(line)?.[1];
  return (afterCheck ?? line.replace(/^\S+\.cc:\d+ \S+\s*/, '')).slice(0, 160);
}

/**
 * Opens an ONNX model, trying each execution provider on its own (ONNX Runtime does not fall back
 * when a listed provider fails to initialise) and keeping the first that loads the model.
 * A file that is not a loadable ONNX model becomes a BAD_MODEL S2Error naming it.
 */
export async function createSession(file: string, options: SessionOptions = {}): Promise<ModelSession> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new S2Error('NOT_FOUND', `${file}: cannot read the model file.`, { file, cause: err });
  }
  const sniff = sniffOnnx(bytes);
  if (!sniff.ok) {
    throw new S2Error('BAD_MODEL', `${file}: not a valid ONNX model (${sniff.reason}).`, { file });
  }
  disableRuntimeTelemetry();
  const threads = options.threads ?? availableParallelism();
  const log = options.log ?? ((line: string): void => console.info(line));
  const skipped: string[] = [];
  for (const provider of options.providers ?? DEFAULT_PROVIDERS) {
    if (provider === 'cuda' && !cudaLibraryPresent()) {
      skipped.push('cuda: provider libraries not installed');
      continue;
    }
    // Tried by default only where it can work; asked for by name, it is always tried.
    if (provider === 'webgpu' && options.providers === undefined && !vulkanLoaderPresent()) {
      skipped.push('webgpu: no Vulkan loader (libvulkan.so.1)');
      continue;
    }
    try {
      const session = await ort.InferenceSession.create(bytes, {
        executionProviders: [provider],
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        // Without the arena every run maps its activations afresh and the kernel zeroes them
        // page by page: on a 2-core CPU a 1024 px DL-L8S2-UV tile took 2.5 s (40 % of it system
        // time) against 0.45 s with the arena, over 20 tiles. The memory pattern on top of the
        // arena only adds a second, larger plan (RSS 1.9 GB instead of 1.2 GB) for no speed.
        // test/bench/ort-options.bench.ts measures these settings.
        enableCpuMemArena: options.memoryArena ?? true,
        enableMemPattern: false,
        // Idle intra-op threads sleep instead of spinning: the JP2 decode workers share the
        // cores, and spinning threads took their time. Full tile, default pipeline, same
        // settings otherwise: 10 m 318-322 s of CPU against 333-338 s with spinning (wall within
        // noise, 197-204 s); 20 m 146-157 s against 152-161 s.
        extra: { session: { intra_op: { allow_spinning: options.spinning === true ? '1' : '0' } } },
      });
      const why = skipped.length > 0 ? ` (skipped ${skipped.join('; ')})` : '';
      log(`onnxruntime: ${file} runs on ${provider}, ${threads} threads${why}`);
      return { session, provider, file, threads };
    } catch (err) {
      skipped.push(`${provider}: ${reason(err)}`);
    }
  }
  throw new S2Error(
    'BAD_MODEL',
    `${file}: no execution provider could load the model (${skipped.join('; ')}).`,
    {
      file,
      details: { attempts: skipped },
    },
  );
}
