import { fireEvent, render, screen } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AppInfo } from '../../../electron/api/contract';
import { scene } from '../lib/stores/scene.svelte';
import { settings } from '../lib/stores/settings.svelte';
import { view } from '../lib/stores/view.svelte';
import { fakeApi } from '../test/fake-api';
import { sceneView } from '../test/scenes';
import TopBar from './TopBar.svelte';

const api = vi.hoisted(() => ({ current: null as ReturnType<typeof fakeApi> | null }));
vi.mock('../lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../lib/api')>()),
  invoke: (c: never, a: never) => api.current!.invoke(c, a),
  on: (n: never, f: never) => api.current!.on(n, f),
}));

const opened = (): string[] =>
  api.current!.calls.filter((c) => c.channel === 'scene.open').map((c) => (c.args as { path: string }).path);

describe('TopBar', () => {
  beforeEach(() => {
    api.current = fakeApi();
    api.current.handle('scene.open', ({ path }) => sceneView(path));
    api.current.handle('settings.update', ({ patch }) => ({ ...settings.current!, ...patch }));
    scene.current = null;
    scene.busy = false;
    view.compare.mode = 'single';
    settings.info = { version: '0.1.0', shell: 'web', home: '/home/me' } as AppInfo;
    settings.current = {
      layout: {},
      recent: [
        { path: '/data/2024/S2B_MSIL1C_T31TCJ.SAFE', name: 'S2B_MSIL1C_T31TCJ', openedAt: '' },
        { path: '/mnt/usb/S2B_MSIL1C_T31TCJ.SAFE', name: 'S2B_MSIL1C_T31TCJ', openedAt: '' },
        { path: '/data/S2A_MSIL2A_T32ULU.zip', openedAt: '' },
      ],
    };
  });

  it('says which version and shell it is', () => {
    render(TopBar);
    expect(screen.getByText('0.1.0 · web')).toBeTruthy();
  });

  it('opens a typed path, trimmed, and waits while a product opens', async () => {
    render(TopBar);
    const input = document.querySelector<HTMLInputElement>('#product-path')!;
    await fireEvent.input(input, { target: { value: '  /data/A.SAFE ' } });
    await fireEvent.submit(input.form!);
    expect(opened()).toEqual(['/data/A.SAFE']);
    scene.busy = true;
    flushSync();
    expect(document.querySelector<HTMLButtonElement>('#open-product')!.disabled).toBe(true);
  });

  it('names recent products, with their folder when two share a name, and opens one', async () => {
    render(TopBar);
    const recent = screen.getByLabelText('Recent products') as HTMLSelectElement;
    expect([...recent.options].map((o) => o.textContent)).toEqual([
      'Recent…',
      'S2B_MSIL1C_T31TCJ — data/2024',
      'S2B_MSIL1C_T31TCJ — mnt/usb',
      '/data/S2A_MSIL2A_T32ULU.zip',
    ]);
    await fireEvent.change(recent, { target: { value: '/mnt/usb/S2B_MSIL1C_T31TCJ.SAFE' } });
    expect(opened()).toEqual(['/mnt/usb/S2B_MSIL1C_T31TCJ.SAFE']);
    // The list goes back to its title, ready for the next choice.
    expect(recent.value).toBe('');
    expect(document.querySelector<HTMLInputElement>('#product-path')!.value).toBe(
      '/mnt/usb/S2B_MSIL1C_T31TCJ.SAFE',
    );
  });

  it('switches the compare mode and marks the active one', async () => {
    render(TopBar);
    const active = (): string[] =>
      [...document.querySelectorAll<HTMLButtonElement>('.modes button.active')].map(
        (b) => b.dataset.mode ?? '',
      );
    expect(active()).toEqual(['single']);
    await fireEvent.click(screen.getByRole('button', { name: 'Swipe' }));
    expect(view.compare.mode).toBe('swipe');
    expect(active()).toEqual(['swipe']);
    expect(api.current!.calls.at(-1)).toEqual({
      channel: 'settings.update',
      args: { patch: { layout: { panel: view.panel, compare: 'swipe', rightWidth: view.rightWidth } } },
    });
  });
});
