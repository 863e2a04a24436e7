/**
 * dBASE III/IV attribute tables (.dbf) as written next to Shapefiles: a 32-byte header, 32-byte
 * field descriptors ended by 0x0D, then fixed-width records read one at a time (no full load).
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, fstatSync } from 'node:fs';
import { S2Error } from '../../errors.js';
import type { PropertyValue } from './types.js';

export interface DbfField {
  name: string;
  type: string;
  offset: number;
  length: number;
  decimals: number;
}

export type DbfEncoding = 'utf-8' | 'latin1';

/** Code page from the .cpg sidecar; undefined when absent or unknown (then guessed per value). */
export function readCpg(cpgPath: string): DbfEncoding | undefined {
  if (!existsSync(cpgPath)) return undefined;
  const cp = readFileSync(cpgPath, 'latin1').trim().toUpperCase();
  if (cp === 'UTF-8' || cp === 'UTF8' || cp === '65001') return 'utf-8';
  if (/^(ISO[-_ ]?8859[-_ ]?1|LATIN1|1252|CP1252|WINDOWS-1252|ANSI 1252|88591)$/.test(cp)) return 'latin1';
  return undefined;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

function decodeText(bytes: Uint8Array, enc: DbfEncoding | undefined): string {
  if (enc === 'latin1') return latin1.decode(bytes);
  try {
    return strictUtf8.decode(bytes);
  } catch {
    // No .cpg and not valid UTF-8: GDAL's default for such files is ISO-8859-1.
    return latin1.decode(bytes);
  }
}

export class DbfReader {
  readonly fields: DbfField[];
  readonly count: number;
  private readonly fd: number;
  private readonly headerLength: number;
  private readonly recordLength: number;
  private readonly record: Buffer;

  constructor(
    readonly file: string,
    private readonly encoding: DbfEncoding | undefined,
  ) {
    this.fd = openSync(file, 'r');
    try {
      const size = fstatSync(this.fd).size;
      const head = Buffer.alloc(32);
      if (size < 33 || readSync(this.fd, head, 0, 32, 0) !== 32)
        throw new S2Error('BAD_METADATA', `${file} is not a dBASE table (too short).`, { file });
      this.count = head.readUInt32LE(4);
      this.headerLength = head.readUInt16LE(8);
      this.recordLength = head.readUInt16LE(10);
      const desc = Buffer.alloc(Math.max(0, this.headerLength - 32));
      readSync(this.fd, desc, 0, desc.length, 32);
      this.fields = [];
      let offset = 1; // byte 0 of a record is the deletion flag
      for (let p = 0; p + 32 <= desc.length && desc[p] !== 0x0d; p += 32) {
        const rawName = desc.subarray(p, p + 11);
        const end = rawName.indexOf(0);
        const name = latin1.decode(end < 0 ? rawName : rawName.subarray(0, end)).trim();
        const length = desc[p + 16] ?? 0;
        this.fields.push({
          name,
          type: String.fromCharCode(desc[p + 11] ?? 67),
          offset,
          length,
          decimals: desc[p + 17] ?? 0,
        });
        offset += length;
      }
      if (this.count > 0 && this.headerLength + this.count * this.recordLength > size + 1)
        throw new S2Error(
          'BAD_METADATA',
          `${file} is truncated: ${this.count} records announced but the file holds fewer.`,
          { file },
        );
      this.record = Buffer.alloc(this.recordLength);
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
  }

  /** Attributes of record i (0-based); a deleted record reads as its values all the same. */
  read(i: number): Record<string, PropertyValue> {
    readSync(this.fd, this.record, 0, this.recordLength, this.headerLength + i * this.recordLength);
    const out: Record<string, PropertyValue> = {};
    for (const f of this.fields) out[f.name] = this.value(f);
    return out;
  }

  close(): void {
    closeSync(this.fd);
  }

  private value(f: DbfField): PropertyValue {
    const bytes = this.record.subarray(f.offset, f.offset + f.length);
    switch (f.type) {
      case 'N':
      case 'F': {
        const s = latin1.decode(bytes).trim();
        if (s === '' || s.startsWith('*')) return null;
        const n = Number(s);
        return Number.isFinite(n) ? n : null;
      }
      case 'I':
        return bytes.length >= 4 ? bytes.readInt32LE(0) : null;
      case 'O':
        return bytes.length >= 8 ? bytes.readDoubleLE(0) : null;
      case 'L': {
        const c = latin1.decode(bytes).trim().toUpperCase();
        if ('TY'.includes(c) && c !== '') return 1;
        if ('FN'.includes(c) && c !== '') return 0;
        return null;
      }
      default: {
        // C (text), D (YYYYMMDD) and anything else: trailing blanks/NULs are padding.
        let end = bytes.length;
        while (end > 0 && (bytes[end - 1] === 0x20 || bytes[end - 1] === 0)) end -= 1;
        return end === 0 ? null : decodeText(bytes.subarray(0, end), this.encoding);
      }
    }
  }
}
