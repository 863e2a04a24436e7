import { fireEvent, render, screen } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { scene } from '../lib/stores/scene.svelte';
import { view } from '../lib/stores/view.svelte';
import { sceneView } from '../test/scenes';
import MapBanner from './MapBanner.svelte';
import MapError from './MapError.svelte';

vi.mock('../lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../lib/api')>()),
  invoke: () => Promise.reject(new Error('no main process in this spec')),
  on: () => () => undefined,
}));

const SAFE = '/data/T31TCJ/S2B_MSIL1C_20240305T104819.SAFE';
const B04 = `${SAFE}/GRANULE/L1C_T31TCJ/IMG_DATA/T31TCJ_B04.jp2 is 30 x 30 px, the grid 10980 x 10980`;

describe('MapBanner', () => {
  beforeEach(() => {
    scene.current = null;
    scene.tileFailures = [];
    view.bannerClosed = false;
    view.panel = 'run';
  });

  it('says nothing without a product, or for a product without problems', () => {
    render(MapBanner);
    expect(screen.queryByTestId('map-banner')).toBeNull();
    scene.current = sceneView(SAFE);
    flushSync();
    expect(screen.queryByTestId('map-banner')).toBeNull();
  });

  it('puts damaged band files first, by file name, and counts the rest', () => {
    scene.current = sceneView(SAFE, { warnings: [B04] }, { warnings: ['MTD_TL.xml has no sun angles'] });
    scene.tileFailures = ['B08 cannot be decoded'];
    render(MapBanner);
    const banner = screen.getByTestId('map-banner');
    expect(banner.classList.contains('damaged')).toBe(true);
    expect(banner.textContent).toContain("This product's band files are damaged:");
    expect(banner.querySelector('span.wrap-any')!.textContent).toBe(
      'T31TCJ_B04.jp2 is 30 x 30 px, the grid 10980 x 10980',
    );
    // The full path stays in the tooltip; two more problems are in the Scene panel.
    expect(banner.querySelector('span.wrap-any')!.getAttribute('title')).toBe(B04);
    expect(banner.querySelector('small')!.textContent).toBe('(2 more in the Scene panel)');
  });

  it("shows the product's own warnings on one line when nothing is damaged", () => {
    scene.current = sceneView(SAFE, {}, { warnings: ['MTD_TL.xml has no sun angles'] });
    render(MapBanner);
    const banner = screen.getByTestId('map-banner');
    expect(banner.classList.contains('one-line')).toBe(true);
    expect(banner.textContent).toContain('This product has 1 warning:');
    expect(banner.querySelector('small')).toBeNull();
  });

  it('opens the Scene panel for the details, and closes for this scene', async () => {
    scene.current = sceneView(SAFE, { warnings: [B04] });
    render(MapBanner);
    await fireEvent.click(screen.getByRole('button', { name: 'Details' }));
    expect(view.panel).toBe('scene');
    await fireEvent.click(screen.getByRole('button', { name: 'Close the message' }));
    expect(view.bannerClosed).toBe(true);
    expect(screen.queryByTestId('map-banner')).toBeNull();
  });
});

describe('MapError', () => {
  beforeEach(() => {
    view.error = null;
  });

  it('shows what failed over the map until dismissed', async () => {
    render(MapError);
    expect(screen.queryByTestId('error')).toBeNull();
    view.fail(new Error('/data/no-such-product.SAFE does not exist'));
    flushSync();
    const error = screen.getByTestId('error');
    expect(error.getAttribute('role')).toBe('alert');
    expect(error.textContent).toContain('/data/no-such-product.SAFE does not exist');
    await fireEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(view.error).toBeNull();
    expect(screen.queryByTestId('error')).toBeNull();
  });
});
