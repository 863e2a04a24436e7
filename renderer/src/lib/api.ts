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
import type { S2ErrorCode, S2ErrorData } from '../../../electron/api/contract';
import { TOKEN_HEADER, TOKEN_PARAM } from '../../../electron/api/web-token';

interface Bridge {
  invoke<C extends InvokeChannel>(channel: C, args: InvokeArgs<C>): Promise<InvokeResponse<C>>;
  onEvent(listener: (msg: EventMessage) => void): () => void;
}

declare global {
  interface Window {
    s2?: Bridge;
  }
}

/** What an error can be: the core's codes, and the web host's refusal of a request. */
export type ApiErrorCode = S2ErrorCode | 'FORBIDDEN';

/** An error from the main process, rebuilt with its typed code and details (never just a string). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: ApiErrorCode,
    readonly file?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }

  static fromData(data: S2ErrorData): ApiError {
    return new ApiError(data.message, data.code, data.file, data.details);
  }
}

/**
 * The web host's per-launch secret. It arrives in the URL fragment (never sent to the server or
 * in a Referer), is kept in sessionStorage so a reload still works, and leaves the address bar
 * so a screenshot or a copied link does not carry it. Electron needs none: IPC is not reachable
 * from other pages.
 */
const TOKEN_KEY = 's2-token';
let token: string | null | undefined;

/**
 * Takes `#token=…` from the address, or the one kept for this tab. Runs on first use too, so a
 * store that asks for data while modules load still sends it.
 */
export function adoptToken(): string | null {
  if (token !== undefined) return token;
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) {
    token = fromHash;
    try {
      sessionStorage.setItem(TOKEN_KEY, fromHash);
    } catch {
      // Storage disabled: the token lives in memory for this page.
    }
    history.replaceState(null, '', location.pathname + location.search);
    return token;
  }
  try {
    token = sessionStorage.getItem(TOKEN_KEY);
  } catch {
    token = null;
  }
  return token;
}

/**
 * Adds the token to a URL the browser fetches by itself (EventSource, MapLibre tiles), which
 * cannot carry our header.
 */
export function withToken(url: string): string {
  const t = adoptToken();
  if (!t) return url;
  return `${url}${url.includes('?') ? '&' : '?'}${TOKEN_PARAM}=${encodeURIComponent(t)}`;
}

export async function invoke<C extends InvokeChannel>(
  channel: C,
  args: InvokeArgs<C>,
): Promise<InvokeResult<C>> {
  let response: InvokeResponse<C>;
  if (window.s2) {
    response = await window.s2.invoke(channel, args);
  } else {
    const token = adoptToken();
    const r = await fetch(`api/invoke/${encodeURIComponent(channel)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { [TOKEN_HEADER]: token } : {}) },
      body: JSON.stringify(args),
    });
    // A refusal (403/415) is plain text meant for the user.
    if (!(r.headers.get('content-type') ?? '').startsWith('application/json')) {
      throw new ApiError(await r.text(), r.status === 403 ? 'FORBIDDEN' : 'INTERNAL');
    }
    response = (await r.json()) as InvokeResponse<C>;
  }
  if (!response.ok) throw ApiError.fromData(response.error);
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
  const source = new EventSource(withToken('api/events'));
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
