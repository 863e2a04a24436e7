/** Lon/lat boxes in words, for messages (shared by the API and the renderer: no Node imports). */

export type LonLatBox = [west: number, south: number, east: number, north: number];

/** '43.70 E 30.70 N': the centre of a lon/lat box, as people read a place. */
export function placeName(b: LonLatBox): string {
  const lon = (b[0] + b[2]) / 2;
  const lat = (b[1] + b[3]) / 2;
  return `${Math.abs(lon).toFixed(2)} ${lon < 0 ? 'W' : 'E'} ${Math.abs(lat).toFixed(2)} ${lat < 0 ? 'S' : 'N'}`;
}

/** Whether two lon/lat boxes share any area (touching edges do not count). */
export function boxesOverlap(a: LonLatBox, b: LonLatBox): boolean {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}
