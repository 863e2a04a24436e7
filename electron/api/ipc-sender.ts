/**
 * Who may call the API over IPC: only the main frame of the app's own window, showing the app's
 * own page. An iframe, a second window or a page the renderer was tricked into loading gets
 * nothing, so the file browser and every other channel answer the app alone. Plain functions
 * (no 'electron' import) so they are tested in Node.
 */

/** The facts main.ts reads off an IPC event. */
export interface SenderFacts {
  /** `event.senderFrame?.url`; undefined when the frame is gone. */
  frameUrl: string | undefined;
  /** The frame is its window's main frame (not an iframe). */
  isMainFrame: boolean;
  /** The message came from the app's main window. */
  fromMainWindow: boolean;
}

/**
 * Whether `url` is the page `expected` (the renderer's index.html): same scheme, host and path;
 * the query and fragment may differ. Paths are compared after decoding, as the browser may
 * escape characters of the install folder differently.
 */
export function isTrustedSender(url: string | undefined, expected: string): boolean {
  if (!url) return false;
  let got: URL;
  let want: URL;
  try {
    got = new URL(url);
    want = new URL(expected);
  } catch {
    return false;
  }
  if (got.protocol !== want.protocol || got.host !== want.host) return false;
  try {
    return decodeURIComponent(got.pathname) === decodeURIComponent(want.pathname);
  } catch {
    return false;
  }
}

/** Why an IPC message is refused, or null when it comes from the app itself. */
export function senderRefusal(facts: SenderFacts, expected: string): string | null {
  if (!facts.fromMainWindow) return 'Refused: the API answers only the S2 Cloud Studio window.';
  if (!facts.isMainFrame) return 'Refused: an embedded frame may not use the S2 Cloud Studio API.';
  if (!isTrustedSender(facts.frameUrl, expected)) {
    return `Refused: the page '${facts.frameUrl ?? 'unknown'}' is not S2 Cloud Studio's own page.`;
  }
  return null;
}
