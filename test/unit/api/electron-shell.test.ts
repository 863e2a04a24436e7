/**
 * The Electron shell's defences. The Electron binary cannot run here, so the sender check is a
 * plain function tested directly, and the wiring in main.ts, the fuses and the CSP are read from
 * the sources the packaged app is built from.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isTrustedSender, senderRefusal, type SenderFacts } from '../../../electron/api/ipc-sender.js';
import { ROOT } from '../../helpers/env.js';

const PAGE = pathToFileURL('/opt/S2 Cloud Studio/resources/app.asar/dist/renderer/index.html').href;
const own: SenderFacts = { frameUrl: PAGE, isMainFrame: true, fromMainWindow: true };

describe('IPC sender check', () => {
  it("accepts the app's own page, with or without a query or fragment", () => {
    expect(isTrustedSender(PAGE, PAGE)).toBe(true);
    expect(isTrustedSender(`${PAGE}#/map`, PAGE)).toBe(true);
    expect(isTrustedSender(`${PAGE}?x=1`, PAGE)).toBe(true);
    // The same file with its space written literally or escaped.
    expect(isTrustedSender(PAGE.replace('%20', ' '), PAGE)).toBe(true);
    expect(senderRefusal(own, PAGE)).toBeNull();
  });

  it('refuses other pages, other files and unreadable URLs', () => {
    for (const url of [
      'https://evil.example/index.html',
      'http://127.0.0.1:8417/',
      pathToFileURL('/tmp/index.html').href,
      pathToFileURL('/opt/S2 Cloud Studio/resources/app.asar/dist/renderer/other.html').href,
      'about:blank',
      'data:text/html,<script>1</script>',
      'not a url',
      '',
      undefined,
    ]) {
      expect(isTrustedSender(url, PAGE), String(url)).toBe(false);
      expect(senderRefusal({ ...own, frameUrl: url }, PAGE), String(url)).toMatch(/^Refused: the page/);
    }
  });

  it('refuses an iframe and another window, even showing our page', () => {
    expect(senderRefusal({ ...own, isMainFrame: false }, PAGE)).toMatch(/embedded frame/);
    expect(senderRefusal({ ...own, fromMainWindow: false }, PAGE)).toMatch(/window/);
  });
});

describe('Electron main process wiring', () => {
  const main = readFileSync(join(ROOT, 'electron', 'main.ts'), 'utf8');

  it('denies every permission request and check', () => {
    expect(main).toMatch(
      /setPermissionRequestHandler\(\(_contents, _permission, callback\) => callback\(false\)\)/,
    );
    expect(main).toMatch(/setPermissionCheckHandler\(\(\) => false\)/);
    expect(main).toMatch(/setDevicePermissionHandler\(\(\) => false\)/);
  });

  it('checks the sender before every IPC handler runs, and only there registers handlers', () => {
    const handles = main.match(/ipcMain\.handle\(/g) ?? [];
    expect(handles).toHaveLength(1);
    expect(main).toMatch(
      /ipcMain\.handle\(`api:\$\{channel\}`, \(event, args: unknown\) => \{\s*const refusal = ipcRefusal\(event\);[^}]*if \(refusal\) throw/,
    );
    expect(main).not.toMatch(/ipcMain\.on\(/);
  });

  it('keeps the sandbox, context isolation and no navigation, windows or webviews', () => {
    expect(main).toContain('app.enableSandbox()');
    expect(main).toMatch(/contextIsolation: true/);
    expect(main).toMatch(/nodeIntegration: false/);
    expect(main).toMatch(/'will-navigate', \(e\) => e\.preventDefault\(\)/);
    expect(main).toMatch(/'will-attach-webview', \(e\) => e\.preventDefault\(\)/);
    expect(main).toMatch(/setWindowOpenHandler\(\(\) => \(\{ action: 'deny' \}\)\)/);
  });

  it('keeps the CSP (no remote script, connections to itself and its tiles only)', () => {
    const csp = /const CSP =\s*([\s\S]*?);\n/.exec(main)?.[1] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self' s2tile:");
    expect(csp).not.toMatch(/unsafe-eval|https?:/);
  });

  it('keeps the fuses that stop the packaged app running as plain Node or being inspected', () => {
    const yml = readFileSync(join(ROOT, 'build', 'electron-builder.yml'), 'utf8');
    const fuses = /electronFuses:\n((?: {2}.*\n)+)/.exec(yml)?.[1] ?? '';
    expect(fuses).toContain('runAsNode: false');
    expect(fuses).toContain('enableNodeOptionsEnvironmentVariable: false');
    expect(fuses).toContain('enableNodeCliInspectArguments: false');
    expect(fuses).toContain('onlyLoadAppFromAsar: true');
  });
});
