/**
 * The renderer's side of the contract: Electron's preload bridge when present, otherwise HTTP to
 * the web host. Errors come back as data and are thrown here as ApiError with the words to show.
 */
import type {
  EventChannel,
  EventChannels,
  EventMessage,
  InvokeArgs,
  InvokeChannel,
  InvokeResponse,
  InvokeResult,
} from '../../../electron/api/contract';

interface Bridge {
  invoke<C extends InvokeChannel>(channel: C, args: InvokeArgs<C>): Promise<InvokeResponse<C>>;
  onEvent(listener: (msg: EventMessage) => void): () => void;
}

declare global {
  interface Window {
    s2?: Bridge;
  }
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly file?: string,
  ) {
    super(message);
  }
}

export async function invoke<C extends InvokeChannel>(
  channel: C,
  args: InvokeArgs<C>,
): Promise<InvokeResult<C>> {
  let response: InvokeResponse<C>;
  if (window.s2) {
    response = await window.s2.invoke(channel, args);
  } else {
    const r = await fetch(`api/invoke/${encodeURIComponent(channel)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(args),
    });
    response = (await r.json()) as InvokeResponse<C>;
  }
  if (!response.ok) throw new ApiError(response.error.message, response.error.code, response.error.file);
  return response.result;
}

type Listener = (msg: EventMessage) => void;
const listeners = new Set<Listener>();
let connected = false;

function connect(): void {
  if (connected) return;
  connected = true;
  if (window.s2) {
    window.s2.onEvent((msg) => listeners.forEach((l) => l(msg)));
    return;
  }
  const source = new EventSource('api/events');
  source.onmessage = (e: MessageEvent<string>) => {
    const msg = JSON.parse(e.data) as EventMessage;
    listeners.forEach((l) => l(msg));
  };
}

/** Subscribes to one event channel; returns the unsubscribe function. */
export function on<E extends EventChannel>(name: E, fn: (payload: EventChannels[E]) => void): () => void {
  connect();
  const l: Listener = (msg) => {
    if (msg.name === name) fn(msg.payload as EventChannels[E]);
  };
  listeners.add(l);
  return () => listeners.delete(l);
}

export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
