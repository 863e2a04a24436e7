import { fireEvent, render, screen } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { BatchSnapshotDto } from '../../../electron/api/contract';
import { batch } from '../lib/stores/batch.svelte';
import { runs } from '../lib/stores/runs.svelte';
import { view } from '../lib/stores/view.svelte';
import StatusBar from './StatusBar.svelte';

vi.mock('../lib/api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../lib/api')>()),
  invoke: () => Promise.reject(new Error('no main process in this spec')),
  on: () => () => undefined,
}));

describe('StatusBar', () => {
  beforeEach(() => {
    view.panel = 'scene';
    view.status = 'T31PGN opened.';
    runs.progress = null;
    batch.snap = null;
  });

  it('shows the status and nothing else when no work is going on', () => {
    render(StatusBar);
    expect(screen.getByText('T31PGN opened.')).toBeTruthy();
    expect(screen.queryByTestId('status-run')).toBeNull();
    expect(screen.queryByTestId('status-batch')).toBeNull();
  });

  it('keeps a run and a batch in sight under another panel, and opens their panel on a click', async () => {
    runs.progress = { stage: 'shadows', fraction: 0.81 };
    batch.snap = {
      state: 'running',
      done: 2,
      total: 5,
      fraction: 0.4,
      scenes: [],
    } as unknown as BatchSnapshotDto;
    render(StatusBar);
    expect(screen.getByTestId('status-run').textContent).toBe('Run: shadows 81 %');
    expect(screen.getByTestId('status-batch').textContent).toBe('Batch: running 2/5');
    await fireEvent.click(screen.getByTestId('status-run'));
    expect(view.panel).toBe('run');
    flushSync();
    // Its own panel shows the run: the bar does not repeat it.
    expect(screen.queryByTestId('status-run')).toBeNull();
    await fireEvent.click(screen.getByTestId('status-batch'));
    expect(view.panel).toBe('batch');
  });

  it('drops a finished batch', () => {
    batch.snap = {
      state: 'finished',
      done: 5,
      total: 5,
      fraction: 1,
      scenes: [],
    } as unknown as BatchSnapshotDto;
    render(StatusBar);
    expect(screen.queryByTestId('status-batch')).toBeNull();
  });
});
