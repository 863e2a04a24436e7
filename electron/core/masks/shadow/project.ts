/**
 * Geometry of a cloud's shadow on the image grid (flat terrain, one height per cloud object).
 *
 * Angles: zenith from vertical, azimuth clockwise from north, both of the direction from the
 * ground to the sun (sun) or to the satellite (view), as in MTD_TL.xml. Image rows grow southward.
 *
 * - Sun: a cloud at height h casts its shadow h*tan(sunZenith) away from the sun, i.e. towards
 *   azimuth + 180 deg: east offset -sin(az)*d, north offset -cos(az)*d, so
 *   dcol = -sin(az)*d/px and drow = +cos(az)*d/px. (Northern summer morning, az 150 deg: shadow to
 *   the north-north-west; southern hemisphere, az 30 deg: shadow to the south-south-west.)
 * - View parallax: the satellite sees the cloud top h*tan(viewZenith) farther away from itself
 *   than its true position (towards view azimuth + 180 deg), so the true position is the apparent
 *   one moved h*tan(viewZenith) TOWARDS the view azimuth: dcol = +sin(vaz)*v/px, drow = -cos(vaz)*v/px.
 *   The shadow is on the ground and has no parallax. Total offset = parallax + sun offset.
 */
export interface Angles {
  sun: { zenith: number; azimuth: number };
  view?: { zenith: number; azimuth: number } | undefined;
}

/** Pixel offset (columns, rows) of the shadow from the apparent cloud, per metre of height. */
export interface Offset {
  dcol: number;
  drow: number;
}

const RAD = Math.PI / 180;

export function shadowOffsetPerMetre(angles: Angles, pixelSize: number): Offset {
  const sz = angles.sun.zenith * RAD;
  const sa = angles.sun.azimuth * RAD;
  const ts = Math.tan(sz);
  let dcol = -Math.sin(sa) * ts;
  let drow = Math.cos(sa) * ts;
  if (angles.view) {
    const tv = Math.tan(angles.view.zenith * RAD);
    const va = angles.view.azimuth * RAD;
    dcol += Math.sin(va) * tv;
    drow -= Math.cos(va) * tv;
  }
  return { dcol: dcol / pixelSize, drow: drow / pixelSize };
}

/** The heights searched: from min to max in steps of `step` metres (default: 1 px of offset). */
export function searchHeights(per: Offset, minHeight: number, maxHeight: number, step?: number): number[] {
  const pxPerMetre = Math.hypot(per.dcol, per.drow);
  // Sun at the zenith (no offset): one step, the shadow hides under the cloud anyway.
  const s = step ?? (pxPerMetre > 1e-9 ? 1 / pxPerMetre : maxHeight - minHeight);
  const out: number[] = [];
  for (let h = minHeight; h <= maxHeight + 1e-6; h += Math.max(s, 1)) out.push(h);
  return out;
}
