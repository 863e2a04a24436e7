/**
 * Small stand-ins for what the main process returns about a product, for renderer specs: only the
 * fields the renderer reads are real, the rest is cast (the metadata is the core's business).
 */
import type { MapSceneInfo, MaskLayerDto, SceneView } from '../../../electron/api/contract';

/** An opened product at `path` (scene id `scene:<path>`), with the map fields overridden as given. */
export function sceneView(
  path: string,
  map: Partial<MapSceneInfo> = {},
  entry: { warnings?: string[] } = {},
): SceneView {
  const name = path.split('/').pop() ?? path;
  return {
    entry: {
      path,
      ok: true,
      warnings: entry.warnings ?? [],
      masks: [],
      bands: [],
    } as unknown as SceneView['entry'],
    map: {
      sceneId: `scene:${path}`,
      productName: name.replace(/\.SAFE$/, ''),
      level: 'L1C',
      bounds: [1, 43, 2, 44],
      footprint: null,
      epsg: 32631,
      bands: ['B02', 'B03', 'B04', 'B08', 'B11', 'B12'],
      stretches: {},
      productMasks: [],
      minZoom: 8,
      maxZoom: 15,
      warnings: [],
      ...map,
    },
  };
}

/** A class mask layer as `map.addMask` returns it: no data, clear, cloud, shadow. */
export function maskDto(layerId: string, name = layerId, path?: string): MaskLayerDto {
  return {
    layerId,
    name,
    kind: 'classes',
    ...(path ? { path } : {}),
    classes: [
      { id: 0, name: 'no data', colour: [0, 0, 0], count: 0 },
      { id: 1, name: 'clear', colour: [60, 170, 80], count: 900 },
      { id: 2, name: 'cloud', colour: [0, 230, 255], count: 80 },
      { id: 4, name: 'cloud shadow', colour: [230, 110, 20], count: 20 },
    ],
    bounds: [1, 43, 2, 44],
  };
}
