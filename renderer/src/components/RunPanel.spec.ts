import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ModelDto, SceneView } from '../../../electron/api/contract';
import { runs } from '../lib/stores/runs.svelte';
import { scene } from '../lib/stores/scene.svelte';
import { fakeApi } from '../test/fake-api';
import RunPanel from './RunPanel.svelte';

const api = vi.hoisted(() => ({ current: null as ReturnType<typeof fakeApi> | null }));
vi.mock('../lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../lib/api')>()),
  invoke: (c: never, a: never) => api.current!.invoke(c, a),
  on: (n: never, f: never) => api.current!.on(n, f),
}));

const model = (id: string, installed: boolean): ModelDto => ({
  id,
  name: `${id} (test)`,
  version: '1',
  bands: ['B02', 'B03'],
  resolution: 20,
  classes: ['clear', 'cloud'],
  licence: 'MIT',
  source: 'x',
  installed,
  isDefault: id === 'a',
});

describe('RunPanel', () => {
  // One fake main process for the file: the store subscribes once per session, like the app.
  beforeEach(() => {
    api.current ??= fakeApi();
    api.current.handle('models.list', () => [model('a', true), model('b', false)]);
    api.current.handle('run.start', () => ({ runId: 'r1' }));
    api.current.handle('settings.update', () => ({}) as never);
    scene.current = null;
    runs.runId = null;
    runs.progress = null;
  });

  function mount(): { unmount: () => void } {
    scene.current = {
      entry: { path: '/data/A.SAFE', ok: true } as SceneView['entry'],
      map: { sceneId: 's' } as SceneView['map'],
    };
    return render(RunPanel);
  }

  it('asks for a product first when none is open', () => {
    render(RunPanel);
    expect(screen.getByText('Open a product first.')).toBeTruthy();
  });

  it('lists the models, marks the ones not installed, and says what the chosen one reads', async () => {
    mount();
    const select = (await screen.findByLabelText('Model')) as HTMLSelectElement;
    await waitFor(() => expect(select.value).toBe('a'));
    const options = [...select.options].map((o) => [o.value, o.textContent, o.disabled]);
    expect(options).toEqual([
      ['a', 'a (default)', false],
      ['b', 'b — not installed', true],
      ['fmask', 'Fmask (built-in)', false],
    ]);
    expect(screen.getByText('B02 B03 at 20 m · clear, cloud')).toBeTruthy();
  });

  it('keeps the run in flight across panel switches: progress and Cancel come back', async () => {
    const first = mount();
    const run = (await screen.findByRole('button', { name: 'Run' })) as HTMLButtonElement;
    await waitFor(() => expect(run.disabled).toBe(false));
    await fireEvent.click(run);
    await waitFor(() => expect(screen.getByTestId('run-progress').textContent).toContain('starting'));
    first.unmount();
    api.current!.emit('run.progress', {
      runId: 'r1',
      stage: 'shadows',
      fraction: 0.8,
      etaSeconds: 12,
    });
    mount();
    expect(screen.getByTestId('run-progress').textContent).toMatch(/shadows · 80 %.*12 s left/);
    expect((screen.getByRole('button', { name: 'Cancel' }) as HTMLButtonElement).disabled).toBe(false);
    expect((screen.getByRole('button', { name: 'Run' }) as HTMLButtonElement).disabled).toBe(true);
  });
});
