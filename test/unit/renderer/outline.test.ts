/**
 * The offline world outline on a Web Mercator map: no ring may jump across the antimeridian
 * (drawn as a line and a fill across the whole world: Fiji near 17 S, Chukotka) and no vertex
 * may lie beyond Mercator's edge (drawn as bands at high latitudes: Antarctica).
 */
import type { Position } from 'geojson';
import { describe, expect, it } from 'vitest';
import { countryOutlines, drawableRing } from '../../../renderer/src/lib/outline.js';

function rings(): Array<{ name: string; ring: Position[] }> {
  const out: Array<{ name: string; ring: Position[] }> = [];
  for (const f of countryOutlines().features) {
    const name = String((f.properties as { name?: string } | null)?.name);
    const g = f.geometry;
    const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
    for (const p of polys) for (const ring of p) out.push({ name, ring });
  }
  return out;
}

describe('world outline', () => {
  it('has no ring that jumps across the antimeridian and no vertex past Mercator’s edge', () => {
    const all = rings();
    expect(all.length).toBeGreaterThan(200);
    const jumps = all.filter(({ ring }) =>
      ring.some((p, i) => i > 0 && Math.abs(p[0]! - ring[i - 1]![0]!) > 180),
    );
    expect(jumps.map((r) => r.name)).toEqual([]);
    const polar = all.filter(({ ring }) => ring.some((p) => Math.abs(p[1]!) > 85.06));
    expect(polar.map((r) => r.name)).toEqual([]);
  });

  it('keeps Fiji whole, east of 177 E, and closes Antarctica along the map’s southern edge', () => {
    const fiji = rings().filter((r) => r.name === 'Fiji');
    expect(fiji.length).toBeGreaterThan(0);
    for (const { ring } of fiji) expect(Math.min(...ring.map((p) => p[0]!))).toBeGreaterThan(176);
    const antarctica = rings().filter((r) => r.name === 'Antarctica');
    const big = antarctica.sort((a, b) => b.ring.length - a.ring.length)[0]!.ring;
    // Closed along the edge: the last vertices before the first run along -85.05 across the world.
    expect(big.slice(-4, -1).map((p) => p[1])).toEqual([-85.05, -85.05, -85.05]);
    expect(big[0]).toEqual(big.at(-1));
  });

  it('shifts the smaller side of a ring that crosses twice, and leaves other rings alone', () => {
    const ring: Position[] = [
      [179, -16],
      [-179, -16],
      [-179, -17],
      [179, -17],
      [179, -16],
    ];
    expect(drawableRing(ring).map((p) => p[0])).toEqual([179, 181, 181, 179, 179]);
    const plain: Position[] = [
      [0, 0],
      [1, 0],
      [1, 1],
      [0, 0],
    ];
    expect(drawableRing(plain)).toEqual(plain);
  });
});
