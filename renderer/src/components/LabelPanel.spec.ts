import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { LabelSetDto, SceneView, TeachResultDto } from '../../../electron/api/contract';
import { labels } from '../lib/stores/labels.svelte';
import { metrics } from '../lib/stores/metrics.svelte';
import { scene } from '../lib/stores/scene.svelte';
import { view } from '../lib/stores/view.svelte';
import { fakeApi } from '../test/fake-api';
import LabelPanel from './LabelPanel.svelte';

const api = vi.hoisted(() => ({ current: null as ReturnType<typeof fakeApi> | null }));
vi.mock('../lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../lib/api')>()),
  invoke: (c: never, a: never) => api.current!.invoke(c, a),
  on: (n: never, f: never) => api.current!.on(n, f),
}));

const SET: LabelSetDto = {
  sceneId: 's',
  file: '/data/labels/A.labels.gpkg',
  epsg: 32631,
  labels: [
    { cls: 2, geometry: { type: 'Point', coordinates: [1, 43] } },
    { cls: 2, geometry: { type: 'Point', coordinates: [1, 43.1] } },
    { cls: 1, geometry: { type: 'Point', coordinates: [1, 43.2] } },
  ],
  canUndo: true,
  canRedo: false,
};

describe('LabelPanel', () => {
  beforeEach(() => {
    api.current ??= fakeApi();
    api.current.handle(
      'metrics.compute',
      () => ({ report: { table: [] }, csv: {}, json: '{}', html: '', warnings: [] }) as never,
    );
    api.current.handle('settings.update', () => ({}) as never);
    scene.current = null;
    labels.set = null;
    labels.taught = null;
    labels.active = false;
  });

  function mount(): void {
    scene.current = {
      entry: { path: '/data/A.SAFE', ok: true, masks: [], bands: [] } as unknown as SceneView['entry'],
      map: { sceneId: 's' } as SceneView['map'],
    };
    labels.set = SET;
    render(LabelPanel);
  }

  it('asks for a product first when none is open', () => {
    render(LabelPanel);
    expect(screen.getByText('Open a product first.')).toBeTruthy();
  });

  it('counts the labels by class, names their file, and turns labelling on', async () => {
    mount();
    expect(screen.getByTestId('label-total').textContent).toBe('3');
    expect(screen.getByTestId('label-file').textContent).toBe(SET.file);
    await fireEvent.click(screen.getByText('Label on the map'));
    expect(labels.active).toBe(true);
    expect(screen.getByText('Stop labelling')).toBeTruthy();
  });

  it('scores against the labels in the Metrics panel', async () => {
    mount();
    await fireEvent.click(screen.getByText('Score against my labels'));
    expect(metrics.reference).toBe('labels');
    expect(view.panel).toBe('metrics');
    await waitFor(() => expect(api.current!.calls.some((c) => c.channel === 'metrics.compute')).toBe(true));
  });

  it('shows the held-out scores before and after a refit', async () => {
    mount();
    labels.taught = {
      modelId: 'base-taught-north',
      accepted: true,
      verdict: 'Refit kept.',
      lambda: 30,
      labels: { total: 20, used: 20, fitted: 15, heldOut: 5 },
      before: { labels: 5, pixels: 50, accuracy: 0.8, cloudF1: 0.7, cloudPrecision: 0.6, cloudRecall: 0.9 },
      after: { labels: 5, pixels: 50, accuracy: 0.9, cloudF1: 0.85, cloudPrecision: 0.8, cloudRecall: 0.9 },
      difference: { accuracy: 0.1, low: 0.02, high: 0.2 },
      resolution: 20,
      seconds: 1.2,
    } satisfies TeachResultDto;
    const box = await screen.findByTestId('teach-result');
    expect(box.textContent).toContain('base-taught-north');
    expect(box.textContent).toMatch(/default\s*refit/);
    expect(box.textContent).toMatch(/accuracy %\s*80\.0\s*90\.0/);
    expect(box.textContent).toContain('+10.0 points');
  });
});
