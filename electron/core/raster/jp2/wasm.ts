import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The part of @cornerstonejs/codec-openjpeg's embind J2KDecoder that we use. */
interface J2KDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decodeSubResolution(level: number, layer: number): void;
  getDecodedBuffer(): Uint8ClampedArray;
  getFrameInfo(): { width: number; height: number; componentCount: number; bitsPerSample: number };
  delete(): void;
}

interface OpenJpegModule {
  J2KDecoder: new () => J2KDecoder;
}

type Factory = (opts: {
  wasmBinary: Uint8Array;
  print: (s: string) => void;
  printErr: (s: string) => void;
}) => Promise<OpenJpegModule>;

export interface TileDecodeRequest {
  codestream: Uint8Array;
  level: number;
  /** Expected size at `level`, computed by the caller from the codestream's SIZ. */
  width: number;
  height: number;
  components: number;
  bytesPerSample: number;
}

/** Thrown when OpenJPEG reports an error for the codestream (bad data, not a bug here). */
export class CodecError extends Error {}

/**
 * One OpenJPEG WASM instance. Files come from node_modules through the package's exports, so it
 * works offline and from both the TS sources and dist/.
 */
export class OpenJpegWasm {
  private constructor(
    private readonly decoder: J2KDecoder,
    private readonly messages: string[],
  ) {}

  static async load(): Promise<OpenJpegWasm> {
    const require = createRequire(import.meta.url);
    const factory = require('@cornerstonejs/codec-openjpeg/decodewasmjs') as Factory;
    const wasmBinary = readFileSync(require.resolve('@cornerstonejs/codec-openjpeg/decodewasm'));
    const messages: string[] = [];
    // OpenJPEG reports errors only through its message callbacks, which the module prints.
    const sink = (s: string): void => {
      if (s.startsWith('[ERROR]') || s.startsWith('[WARNING]')) messages.push(s.trim());
    };
    const mod = await factory({ wasmBinary, print: sink, printErr: sink });
    return new OpenJpegWasm(new mod.J2KDecoder(), messages);
  }

  /**
   * Decodes a single-tile codestream at `level`; returns the samples (pixel-interleaved, native
   * byte order) of the `width` x `height` tile.
   */
  decode(req: TileDecodeRequest): Uint8Array {
    this.messages.length = 0;
    this.decoder.getEncodedBuffer(req.codestream.length).set(req.codestream);
    this.decoder.decodeSubResolution(req.level, 0);
    const errors = this.messages.filter((m) => m.startsWith('[ERROR]'));
    if (errors.length > 0) throw new CodecError(errors.join(' '));
    // OpenJPEG decodes damaged code-block data with a warning (e.g. "PTERM check failure",
    // "Expected SOP marker") and hands back wrong pixels: that is a damaged tile, not a success.
    const warnings = this.messages.filter((m) => m.startsWith('[WARNING]'));
    if (warnings.length > 0) throw new CodecError(`damaged tile data: ${warnings.join(' ')}`);
    const out = this.decoder.getDecodedBuffer();
    const n = req.width * req.height * req.components * req.bytesPerSample;
    // The wrapper sizes its buffer from the image's right/bottom edge, not its width, and copies
    // the component planes linearly: with a moved origin the first n bytes are the tile.
    if (out.length < n) throw new CodecError(`decoded ${out.length} bytes, expected ${n}`);
    return new Uint8Array(out.buffer, out.byteOffset, n);
  }
}
