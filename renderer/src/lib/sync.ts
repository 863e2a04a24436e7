/** Keeps several MapLibre maps on the same camera (swipe and side-by-side views). */
import type { Map as MlMap } from 'maplibre-gl';

const maps = new Set<MlMap>();
let syncing = false;
/** The last camera, so a map created later (a mode switch) opens where the user was. */
let last: { center: [number, number]; zoom: number } | null = null;

export function syncMap(map: MlMap): () => void {
  const onMove = (): void => {
    if (syncing) return;
    syncing = true;
    const camera = {
      center: map.getCenter(),
      zoom: map.getZoom(),
      bearing: map.getBearing(),
      pitch: map.getPitch(),
    };
    last = { center: [camera.center.lng, camera.center.lat], zoom: camera.zoom };
    for (const other of maps) if (other !== map) other.jumpTo(camera);
    syncing = false;
  };
  // A new map starts where the others are.
  const first = [...maps][0];
  if (first) map.jumpTo({ center: first.getCenter(), zoom: first.getZoom() });
  else if (last) map.jumpTo(last);
  maps.add(map);
  map.on('move', onMove);
  return () => {
    map.off('move', onMove);
    maps.delete(map);
  };
}

/** Any live map (for keyboard shortcuts and tests). */
export function anyMap(): MlMap | undefined {
  return [...maps][0];
}

/** Where a new map should open: the last camera of any map, if there was one. */
export function lastCamera(): { center: [number, number]; zoom: number } | null {
  return last;
}

/** The single map's camera when side by side began: smaller panes make people zoom out. */
let beforeSide: { center: [number, number]; zoom: number } | null = null;

/** Entering side by side: keep the single map's camera to come back to. */
export function rememberSingleCamera(): void {
  const m = anyMap();
  beforeSide = m ? { center: [m.getCenter().lng, m.getCenter().lat], zoom: m.getZoom() } : last;
}

/** Leaving side by side: the single map opens where it was before, not at the panes' zoom. */
export function restoreSingleCamera(): void {
  if (beforeSide) last = beforeSide;
  beforeSide = null;
}
