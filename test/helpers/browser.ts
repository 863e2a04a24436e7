import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's Chromium, headless, with the flags that keep it off the (closed) network. Open the web
 * host at `host.url`: it carries the per-launch token (`#token=…`) the renderer needs.
 */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}
