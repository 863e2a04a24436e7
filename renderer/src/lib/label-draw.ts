/**
 * Drawing labels on a MapLibre map while labelling mode is on: the brush (a drag paints a stroke
 * of the brush's radius in screen pixels, stored as one polygon: brush.ts), the polygon tool
 * (clicks add corners; a double click or Enter closes it, Escape drops it) and single points.
 * The tool, class and size are read from the labels store at each event, so switching them
 * needs no re-attaching. What is being drawn is shown on the map until the stored label replaces it.
 */
import type { GeoJSONSource, Map as MlMap, MapMouseEvent } from 'maplibre-gl';
import { strokeOutline, type Xy } from './brush';
import { labelColour, labels } from './stores/labels.svelte';

const DRAFT = 'label-draft';
const CURSOR = 'label-cursor';

/** Corners closer than this (screen px) are one: a double click's two clicks add one corner. */
const SAME_CORNER_PX = 3;

export function attachLabelDraw(map: MlMap): () => void {
  let stroke: Xy[] | null = null;
  /** A finished stroke, shown until the stored label replaces it. */
  let pending: Xy[] | null = null;
  let corners: Xy[] = [];
  let hover: Xy | null = null;

  const colour = (): string => {
    return labelColour(labels.cls);
  };
  const lngLat = (p: Xy): [number, number] => {
    const ll = map.unproject(p);
    return [ll.lng, ll.lat];
  };

  map.addSource(DRAFT, { type: 'geojson', data: empty() });
  map.addSource(CURSOR, { type: 'geojson', data: empty() });
  map.addLayer({
    id: `${DRAFT}:stroke`,
    type: 'line',
    source: DRAFT,
    filter: ['==', ['get', 'kind'], 'stroke'],
    layout: { 'line-cap': 'round', 'line-join': 'round' },
    paint: { 'line-opacity': 0.55 },
  });
  map.addLayer({
    id: `${DRAFT}:outline`,
    type: 'line',
    source: DRAFT,
    filter: ['==', ['get', 'kind'], 'outline'],
    paint: { 'line-width': 2, 'line-dasharray': [2, 1] },
  });
  map.addLayer({
    id: `${DRAFT}:corner`,
    type: 'circle',
    source: DRAFT,
    filter: ['==', ['get', 'kind'], 'corner'],
    paint: { 'circle-radius': 3.5, 'circle-stroke-color': '#000000', 'circle-stroke-width': 1 },
  });
  map.addLayer({
    id: CURSOR,
    type: 'circle',
    source: CURSOR,
    paint: { 'circle-opacity': 0, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1.5 },
  });
  const canvas = map.getCanvas();
  const oldCursor = canvas.style.cursor;
  canvas.style.cursor = 'crosshair';

  function draw(): void {
    const features: GeoJSON.Feature[] = [];
    const c = colour();
    const shown = stroke ?? pending;
    if (shown && shown.length > 0) {
      const line = shown.length === 1 ? [shown[0]!, shown[0]!] : shown;
      features.push(feature({ type: 'LineString', coordinates: line.map(lngLat) }, 'stroke'));
    }
    if (corners.length > 0) {
      const path = hover ? [...corners, hover] : corners;
      const ring = path.length > 2 ? [...path, path[0]!] : path;
      features.push(feature({ type: 'LineString', coordinates: ring.map(lngLat) }, 'outline'));
      for (const p of corners) features.push(feature({ type: 'Point', coordinates: lngLat(p) }, 'corner'));
    }
    (map.getSource(DRAFT) as GeoJSONSource | undefined)?.setData({ type: 'FeatureCollection', features });
    for (const id of [`${DRAFT}:stroke`, `${DRAFT}:outline`]) map.setPaintProperty(id, 'line-color', c);
    map.setPaintProperty(`${DRAFT}:stroke`, 'line-width', 2 * labels.brushSize);
    map.setPaintProperty(`${DRAFT}:corner`, 'circle-color', c);
    // The brush's footprint under the pointer: what a click would paint.
    const showCursor = labels.tool === 'brush' && hover !== null;
    (map.getSource(CURSOR) as GeoJSONSource | undefined)?.setData(
      showCursor
        ? {
            type: 'FeatureCollection',
            features: [feature({ type: 'Point', coordinates: lngLat(hover!) }, 'cursor')],
          }
        : empty(),
    );
    map.setPaintProperty(CURSOR, 'circle-radius', labels.brushSize);
  }

  async function finishStroke(): Promise<void> {
    const path = stroke;
    if (!path) return;
    // Taken at once: the map's mouseup and the window's both end the same stroke.
    stroke = null;
    pending = path;
    const rings = strokeOutline(path, labels.brushSize).map((r) => r.map(lngLat));
    try {
      if (rings.length > 0) await labels.addPolygon(rings);
    } finally {
      if (pending === path) pending = null;
      draw();
    }
  }

  async function finishPolygon(): Promise<void> {
    const ring = corners;
    corners = [];
    draw();
    if (ring.length >= 3) await labels.addPolygon([[...ring, ring[0]!].map(lngLat)]);
  }

  const onDown = (e: MapMouseEvent): void => {
    if (labels.tool !== 'brush' || e.originalEvent.button !== 0) return;
    // The drag paints instead of panning.
    e.preventDefault();
    stroke = [[e.point.x, e.point.y]];
    draw();
  };
  const onMove = (e: MapMouseEvent): void => {
    hover = [e.point.x, e.point.y];
    if (stroke) {
      const last = stroke[stroke.length - 1]!;
      if (Math.hypot(last[0] - e.point.x, last[1] - e.point.y) >= 1) stroke.push([e.point.x, e.point.y]);
    }
    draw();
  };
  const onUp = (): void => {
    if (stroke) void finishStroke();
  };
  const onClick = (e: MapMouseEvent): void => {
    if (labels.tool === 'point') void labels.addPoint(e.lngLat.lng, e.lngLat.lat);
    else if (labels.tool === 'polygon') {
      const p: Xy = [e.point.x, e.point.y];
      const last = corners[corners.length - 1];
      if (!last || Math.hypot(last[0] - p[0], last[1] - p[1]) > SAME_CORNER_PX) corners = [...corners, p];
      draw();
    }
  };
  const onDblClick = (e: MapMouseEvent): void => {
    if (labels.tool !== 'polygon') return;
    e.preventDefault();
    void finishPolygon();
  };
  const onOut = (): void => {
    hover = null;
    draw();
  };
  const onKey = (e: KeyboardEvent): void => {
    if (corners.length === 0) return;
    if (e.key === 'Enter') void finishPolygon();
    else if (e.key === 'Escape') {
      corners = [];
      draw();
    } else if (e.key === 'Backspace') {
      corners = corners.slice(0, -1);
      draw();
    }
  };

  map.on('mousedown', onDown);
  map.on('mousemove', onMove);
  map.on('mouseup', onUp);
  map.on('click', onClick);
  map.on('dblclick', onDblClick);
  map.on('mouseout', onOut);
  // A stroke released outside the map still ends.
  window.addEventListener('mouseup', onUp);
  window.addEventListener('keydown', onKey);
  draw();

  return () => {
    map.off('mousedown', onDown);
    map.off('mousemove', onMove);
    map.off('mouseup', onUp);
    map.off('click', onClick);
    map.off('dblclick', onDblClick);
    map.off('mouseout', onOut);
    window.removeEventListener('mouseup', onUp);
    window.removeEventListener('keydown', onKey);
    canvas.style.cursor = oldCursor;
    for (const id of [`${DRAFT}:stroke`, `${DRAFT}:outline`, `${DRAFT}:corner`, CURSOR])
      if (map.getLayer(id)) map.removeLayer(id);
    for (const id of [DRAFT, CURSOR]) if (map.getSource(id)) map.removeSource(id);
  };
}

function empty(): GeoJSON.FeatureCollection {
  return { type: 'FeatureCollection', features: [] };
}

function feature(geometry: GeoJSON.Geometry, kind: string): GeoJSON.Feature {
  return { type: 'Feature', geometry, properties: { kind } };
}
