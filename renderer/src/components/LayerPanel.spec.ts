import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { layers } from '../lib/stores/layers.svelte';
import { scene } from '../lib/stores/scene.svelte';
import { fakeApi } from '../test/fake-api';
import { maskDto, sceneView } from '../test/scenes';
import LayerPanel from './LayerPanel.svelte';

const api = vi.hoisted(() => ({ current: null as ReturnType<typeof fakeApi> | null }));
vi.mock('../lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../lib/api')>()),
  invoke: (c: never, a: never) => api.current!.invoke(c, a),
  on: (n: never, f: never) => api.current!.on(n, f),
}));

/** Product A open with its image, MSK_CLASSI offered, and masks `ids` on top of the image. */
function open(...ids: string[]): void {
  scene.current = sceneView('/data/A.SAFE', { productMasks: ['msk-classi'] });
  layers.reset(scene.current);
  for (const id of ids) layers.pushMask(maskDto(id, `${id}.tif`, `/out/${id}.tif`));
}

/** The layer rows, top of the stack first, as [id, shown]. */
function rows(): Array<[string | null, boolean]> {
  return [...document.querySelectorAll<HTMLLIElement>('.layer-list li')].map((li) => [
    li.dataset.layer ?? null,
    li.querySelector<HTMLInputElement>('input[type="checkbox"]')!.checked,
  ]);
}

describe('LayerPanel', () => {
  beforeEach(() => {
    api.current = fakeApi();
    api.current.handle('map.addMask', ({ source }) =>
      maskDto(`scene:/data/A.SAFE/${source.kind === 'product' ? source.mask : 'x'}`, 'MSK_CLASSI'),
    );
    scene.current = null;
    layers.list = [];
    layers.selected = null;
  });

  it('asks for a product when none is open', () => {
    render(LayerPanel);
    expect(screen.getByText('Open a product to see its layers.')).toBeTruthy();
    expect(document.querySelector('.layer-list')).toBeNull();
  });

  it('lists the layers top first, and a checkbox shows or hides one', async () => {
    open('fmask', 'kappa');
    render(LayerPanel);
    expect(rows()).toEqual([
      ['kappa', true],
      ['fmask', true],
      ['image', true],
    ]);
    // Keys 1-9 follow this order.
    expect(screen.getByLabelText('Show kappa.tif').getAttribute('title')).toBe('Key 1');
    await fireEvent.click(screen.getByLabelText('Show fmask.tif'));
    expect(layers.list.find((l) => l.id === 'fmask')!.visible).toBe(false);
    expect(rows()[1]).toEqual(['fmask', false]);
  });

  it("sets the selected layer's opacity and its classes", async () => {
    open('fmask');
    render(LayerPanel);
    const opacity = screen.getByLabelText('Opacity') as HTMLInputElement;
    expect(opacity.value).toBe('0.6');
    opacity.value = '0.25';
    await fireEvent.input(opacity);
    expect(layers.list[1]!.opacity).toBe(0.25);
    expect(screen.getByText('25 %')).toBeTruthy();
    // No data and clear start hidden; a class checkbox changes what the tiles draw.
    const cloud = screen.getByLabelText('Show class cloud') as HTMLInputElement;
    expect(cloud.checked).toBe(true);
    expect((screen.getByLabelText('Show class clear') as HTMLInputElement).checked).toBe(false);
    await fireEvent.click(cloud);
    const mask = layers.maskLayers()[0]!;
    expect(mask.classes.find((c) => c.name === 'cloud')!.visible).toBe(false);
    expect(screen.getByText('80')).toBeTruthy();
  });

  it('selects, moves and removes a layer; the image cannot be removed', async () => {
    open('fmask', 'kappa');
    render(LayerPanel);
    await fireEvent.click(screen.getByRole('button', { name: /^fmask\.tif/ }));
    expect(layers.selected).toBe('fmask');
    expect(screen.getByRole('heading', { level: 3, name: 'fmask.tif' })).toBeTruthy();
    const row = (id: string): HTMLElement => document.querySelector<HTMLElement>(`li[data-layer="${id}"]`)!;
    await fireEvent.click(within(row('fmask')).getByLabelText('Move up'));
    expect(rows().map((r) => r[0])).toEqual(['fmask', 'kappa', 'image']);
    expect(within(row('image')).queryByRole('button', { name: /Remove/ })).toBeNull();
    await fireEvent.click(screen.getByLabelText('Remove fmask.tif'));
    expect(rows().map((r) => r[0])).toEqual(['kappa', 'image']);
    expect(layers.selected).toBe('kappa');
  });

  it("adds the product's own mask, and offers a difference once two masks are on the map", async () => {
    open('fmask');
    render(LayerPanel);
    expect(screen.queryByLabelText('Difference: mask')).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: 'MSK_CLASSI' }));
    await vi.waitFor(() =>
      expect(rows().map((r) => r[0])).toEqual(['scene:/data/A.SAFE/msk-classi', 'fmask', 'image']),
    );
    expect(api.current!.calls.at(-1)!.args).toEqual({
      sceneId: 'scene:/data/A.SAFE',
      source: { kind: 'product', mask: 'msk-classi' },
    });
    const button = screen.getByRole('button', { name: 'Difference' }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    await fireEvent.change(screen.getByLabelText('Difference: mask'), { target: { value: 'fmask' } });
    await fireEvent.change(screen.getByLabelText('Difference: reference'), { target: { value: 'fmask' } });
    // A mask against itself is no difference.
    expect(button.disabled).toBe(true);
    await fireEvent.change(screen.getByLabelText('Difference: reference'), {
      target: { value: 'scene:/data/A.SAFE/msk-classi' },
    });
    expect(button.disabled).toBe(false);
    await fireEvent.click(button);
    expect(layers.selectedLayer).toMatchObject({ kind: 'difference', name: 'fmask.tif vs MSK_CLASSI' });
    expect(screen.getByText('cloud in both')).toBeTruthy();
  });
});
