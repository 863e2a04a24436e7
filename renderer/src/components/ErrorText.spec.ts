import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import ErrorText from './ErrorText.svelte';

describe('ErrorText', () => {
  it('shows nothing without a message', () => {
    const { container } = render(ErrorText, { message: null });
    expect(container.textContent?.trim()).toBe('');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('announces the message with its prefix, and has no close button unless asked', () => {
    render(ErrorText, { message: 'B11 is missing from /data/A.SAFE', prefix: 'The batch stopped: ' });
    expect(screen.getByRole('alert').textContent?.trim()).toBe(
      'The batch stopped: B11 is missing from /data/A.SAFE',
    );
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('calls ondismiss from its close button', async () => {
    const ondismiss = vi.fn();
    render(ErrorText, { message: 'Choose the masks to compare.', ondismiss });
    await fireEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(ondismiss).toHaveBeenCalledOnce();
  });
});
