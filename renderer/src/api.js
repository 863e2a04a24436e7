// The one place that talks to the main process: Electron IPC through the preload bridge, or
// the web host's HTTP transport. Both carry the same contract (electron/api/contract.ts) and
// return {ok, result} or {ok: false, error: {code, message, file?}}.

/** @param {string} channel @param {object} args */
export async function invoke(channel, args = {}) {
  const bridge = /** @type {any} */ (globalThis).s2;
  if (bridge && typeof bridge.invoke === 'function') return bridge.invoke(channel, args);
  const res = await fetch(`/api/invoke/${encodeURIComponent(channel)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(args),
  });
  if (!res.ok)
    return { ok: false, error: { code: 'INTERNAL', message: `The app server answered ${res.status}.` } };
  return res.json();
}
