/**
 * A small least-recently-used cache of decoded tiles, bounded in bytes. Reading a product in
 * strips decodes the tiles that straddle two strips twice without it; tiles a window covers
 * whole are never asked for again in that pattern, so only straddling tiles are cached.
 */
export class TileCache {
  private readonly entries = new Map<string, ArrayBuffer>();
  private bytes = 0;

  constructor(readonly maxBytes: number) {}

  get(key: string): ArrayBuffer | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key); // re-insert: Map order is the recency order
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, value: ArrayBuffer): void {
    if (value.byteLength > this.maxBytes) return;
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= old.byteLength;
      this.entries.delete(key);
    }
    this.entries.set(key, value);
    this.bytes += value.byteLength;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= v.byteLength;
    }
  }

  delete(key: string): void {
    const hit = this.entries.get(key);
    if (!hit) return;
    this.entries.delete(key);
    this.bytes -= hit.byteLength;
  }

  get size(): number {
    return this.bytes;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}
