/** Core values -> the contract's DTOs (plain JSON that crosses IPC and HTTP). */
import type { BatchSnapshot } from '../core/batch/index.js';
import { CLASS_NAMES, type MaskClassValue } from '../core/masks/schema.js';
import type { DisplayLayer } from '../core/masks/vector/display.js';
import type { compareMasks } from '../core/metrics/compare-service.js';
import type { ModelEntry } from '../core/models/catalog.js';
import { MAP_CLASS_COLOURS } from '../core/tiles/palette.js';
import type { SceneInfo } from '../core/tiles/index.js';
import type { BatchSnapshotDto, MapSceneInfo, MaskRefDto, ModelDto, VectorLayerDto } from './contract.js';

export function modelDto(m: ModelEntry): ModelDto {
  return {
    id: m.id,
    name: m.name,
    version: m.version,
    ...(m.description ? { description: m.description } : {}),
    bands: [...m.bands],
    resolution: m.resolution,
    classes: m.classes.map((c) => c.name),
    licence: m.licence,
    source: m.source.citation ? `${m.source.citation} (${m.source.url})` : m.source.url,
    installed: m.installed,
    isDefault: m.isDefault,
    ...(m.sizeBytes !== undefined ? { sizeBytes: m.sizeBytes } : {}),
    runtime: m.runtime,
    ...(m.candidates ? { candidates: [...m.candidates] } : {}),
  };
}

export function snapshotDto(s: BatchSnapshot): BatchSnapshotDto {
  return JSON.parse(JSON.stringify(s)) as BatchSnapshotDto;
}

export function mapSceneDto(info: SceneInfo): MapSceneInfo {
  return {
    sceneId: info.sceneId,
    productName: info.productName,
    level: info.level,
    bounds: info.bounds,
    footprint: info.footprint,
    epsg: info.epsg,
    bands: info.bands,
    stretches: info.stretches,
    productMasks: info.productMasks,
    minZoom: info.minZoom,
    maxZoom: info.maxZoom,
    warnings: info.warnings,
  };
}

type MaskInput = Parameters<typeof compareMasks>[0]['masks'][number];

/** A mask the renderer names -> what the compare service reads (the adapter id is checked there). */
export function maskRef(r: MaskRefDto): MaskInput {
  return {
    path: r.path,
    ...(r.adapter ? { adapter: r.adapter } : {}),
    ...(r.label ? { label: r.label } : {}),
  } as MaskInput;
}

let vectorCount = 0;

/** A vector reference as a map layer: its features, and its classes with their counts and colours. */
export function vectorLayerDto(path: string, layer: DisplayLayer): VectorLayerDto {
  const classes = Object.entries(layer.counts)
    .map(([k, count]) => {
      const id = Number(k);
      return id < 0
        ? { id, name: 'without a class', colour: [255, 255, 255] as [number, number, number], count }
        : {
            id,
            name: CLASS_NAMES[id as MaskClassValue],
            colour: [...MAP_CLASS_COLOURS[id as MaskClassValue]] as [number, number, number],
            count,
          };
    })
    .sort((a, b) => a.id - b.id);
  return {
    layerId: `vector-${++vectorCount}`,
    name: layer.name,
    path,
    geojson: { type: 'FeatureCollection', features: layer.features },
    classes,
    bounds: layer.bounds,
  };
}
