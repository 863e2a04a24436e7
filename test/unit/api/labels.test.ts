/**
 * The labelling channels on the embedded sample product: labels added in lon/lat land in a
 * GeoPackage in the product's CRS in the app's data folder after every change; undo and redo
 * rewrite it; a new session reads it back; a bad label or an unknown scene is refused in words.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabelDto } from '../../../electron/api/contract.js';
import { createApi, dispatch, type ApiContext } from '../../../electron/api/handlers.js';
import { readLabels } from '../../../electron/core/labels/index.js';
import { sampleProductPath } from '../../../electron/core/sample/path.js';

describe('labels API', () => {
  let dir: string;
  let api: ApiContext;
  let sceneId: string;
  let centre: [number, number];
  let span: number;

  const newApi = (): ApiContext =>
    createApi({
      app: { name: 'S2 Cloud Studio', version: 'test', shell: 'web' },
      tileBase: 'tiles/',
      settingsPath: join(dir, 'settings.json'),
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'api-labels-'));
    api = newApi();
    const opened = await api.handlers['scene.open']({ path: sampleProductPath() });
    sceneId = opened.map.sceneId;
    const [w, s, e, n] = opened.map.bounds;
    centre = [(w + e) / 2, (s + n) / 2];
    span = (e - w) / 10;
  });
  afterAll(async () => {
    await api.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes each label at once, in the product CRS, and undoes and redoes it', async () => {
    const empty = await api.handlers['labels.load']({ sceneId });
    expect(empty.labels).toEqual([]);
    expect(empty.file.startsWith(join(dir, 'labels'))).toBe(true);
    expect(empty.file).toMatch(/\.labels\.gpkg$/);
    const point: LabelDto = { cls: 2, geometry: { type: 'Point', coordinates: centre } };
    const [x, y] = centre;
    const square: LabelDto = {
      cls: 4,
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [x, y],
            [x + span, y],
            [x + span, y + span],
            [x, y + span],
          ],
        ],
      },
    };
    await api.handlers['labels.add']({ sceneId, label: point });
    const two = await api.handlers['labels.add']({ sceneId, label: square });
    expect(two.labels.map((l) => l.cls)).toEqual([2, 4]);
    expect(two.canUndo).toBe(true);
    const onDisk = await readLabels(two.file);
    expect(onDisk.crs.epsg).toBe(two.epsg);
    expect(onDisk.labels.map((l) => l.cls)).toEqual([2, 4]);
    // Stored in metres of the product's UTM zone, not degrees.
    const p = onDisk.labels[0]!.geometry;
    expect(p.type === 'Point' && Math.abs(p.coordinates[0]) > 1000).toBe(true);
    expect(onDisk.labels[0]!.author).toBeTruthy();
    // And back to lon/lat for the map, within a millimetre's worth of a degree.
    const back = two.labels[0]!.geometry;
    expect(back.type === 'Point' && Math.abs(back.coordinates[0] - x) < 1e-8).toBe(true);

    const undone = await api.handlers['labels.undo']({ sceneId });
    expect(undone.labels).toHaveLength(1);
    expect(undone.canRedo).toBe(true);
    expect((await readLabels(two.file)).labels).toHaveLength(1);
    const redone = await api.handlers['labels.redo']({ sceneId });
    expect(redone.labels).toHaveLength(2);
    expect((await readLabels(two.file)).labels).toHaveLength(2);

    // A new session (the app restarted) finds the labels where it left them.
    const again = newApi();
    try {
      const opened = await again.handlers['scene.open']({ path: sampleProductPath() });
      const loaded = await again.handlers['labels.load']({ sceneId: opened.map.sceneId });
      expect(loaded.labels.map((l) => l.cls)).toEqual([2, 4]);
      expect(loaded.canUndo).toBe(false);
    } finally {
      await again.dispose();
    }
  });

  it('keeps the labels in a file the user chose, and refuses one that is not a label GeoPackage', async () => {
    const chosen = join(dir, 'mine', 'north.gpkg');
    mkdirSync(join(dir, 'mine'));
    const set = await api.handlers['labels.load']({ sceneId, file: chosen });
    expect(set.file).toBe(chosen);
    expect(set.labels).toEqual([]);
    await api.handlers['labels.add']({
      sceneId,
      label: { cls: 1, geometry: { type: 'Point', coordinates: centre } },
    });
    expect((await readLabels(chosen)).labels).toHaveLength(1);
    const relative = await dispatch(api.handlers, 'labels.load', { sceneId, file: 'x.gpkg' });
    expect(relative.ok ? '' : relative.error.message).toMatch(/full path/);
    const tif = await dispatch(api.handlers, 'labels.load', { sceneId, file: join(dir, 'x.tif') });
    expect(tif.ok ? '' : tif.error.message).toMatch(/GeoPackage/);
    const nowhere = await dispatch(api.handlers, 'labels.load', { sceneId, file: join(dir, 'no', 'x.gpkg') });
    expect(nowhere.ok ? '' : nowhere.error.message).toMatch(/does not exist/);
    writeFileSync(join(dir, 'mine', 'other.gpkg'), 'not a database');
    const other = await dispatch(api.handlers, 'labels.load', {
      sceneId,
      file: join(dir, 'mine', 'other.gpkg'),
    });
    expect(other.ok).toBe(false);
    // ... and the labels stay in the file chosen before.
    expect((await api.handlers['labels.load']({ sceneId })).file).toBe(chosen);
  });

  it('refuses labels it cannot store, and unknown scenes, in words', async () => {
    const far = await dispatch(api.handlers, 'labels.add', {
      sceneId,
      label: { cls: 2, geometry: { type: 'Point', coordinates: [-120, -40] } },
    });
    expect(far.ok ? '' : far.error.message).toMatch(/outside the product/);
    const cls = await dispatch(api.handlers, 'labels.add', {
      sceneId,
      label: { cls: 7, geometry: { type: 'Point', coordinates: centre } },
    });
    expect(cls.ok ? '' : cls.error.message).toMatch(/class/);
    const line = await dispatch(api.handlers, 'labels.add', {
      sceneId,
      label: { cls: 1, geometry: { type: 'LineString', coordinates: [centre, centre] } },
    });
    expect(line.ok ? '' : line.error.message).toMatch(/points and polygons/);
    const scene = await dispatch(api.handlers, 'labels.load', { sceneId: '../../etc' });
    expect(scene.ok).toBe(false);
    const model = await dispatch(api.handlers, 'labels.teach', { sceneId, name: 'x', modelId: '../x' });
    expect(model.ok ? '' : model.error.message).toMatch(/model id/);
    expect(existsSync(join(dir, 'labels'))).toBe(true);
  });
});
