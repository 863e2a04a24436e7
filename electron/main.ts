/** Electron app lifecycle: one window, the API over IPC, tiles over s2tile://. Thin: the work happens in core/. */
import { app, BrowserWindow, ipcMain, protocol, session } from 'electron';
import { join } from 'node:path';
import { INVOKE_CHANNELS } from './api/contract.js';
import { createApi, dispatch } from './api/handlers.js';
import { tileResponse } from './api/tiles-route.js';
import { APP_ROOT, appVersion, RENDERER_DIR } from './app-meta.js';
import { settingsPathIn } from './core/settings.js';

// Must happen before 'ready': tiles are fetched by MapLibre like any https resource.
protocol.registerSchemesAsPrivileged([
  {
    scheme: 's2tile',
    privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true },
  },
]);

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: s2tile:; " +
  "connect-src 'self' s2tile:; worker-src 'self' blob:; font-src 'self'";

function startApi(): ReturnType<typeof createApi> {
  const api = createApi({
    app: { name: 'S2 Cloud Studio', version: appVersion(), shell: 'electron' },
    tileBase: 's2tile://tiles/',
    settingsPath: settingsPathIn(app.getPath('userData')),
  });
  for (const channel of INVOKE_CHANNELS) {
    ipcMain.handle(`api:${channel}`, (_event, args: unknown) => dispatch(api.handlers, channel, args));
  }
  api.events.subscribe((msg) => {
    for (const win of BrowserWindow.getAllWindows()) win.webContents.send('api:event', msg);
  });
  protocol.handle('s2tile', async (request) => {
    const url = new URL(request.url);
    const t = await tileResponse(api.tiles, url.pathname, url.searchParams);
    return new Response(t.status === 204 ? null : t.body, {
      status: t.status,
      headers: { 'content-type': t.type, 'cache-control': 'private, max-age=300' },
    });
  });
  return api;
}

function createWindow(): void {
  const win = new BrowserWindow({
    width: 1500,
    height: 950,
    title: 'S2 Cloud Studio',
    backgroundColor: '#14181e',
    webPreferences: {
      preload: join(APP_ROOT, 'dist', 'electron', 'preload.cjs'),
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
    },
  });
  // The renderer never navigates away or opens windows: everything it needs is local.
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  void win.loadFile(join(RENDERER_DIR, 'index.html'));
}

app.whenReady().then(() => {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  const api = startApi();
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
  app.on('before-quit', () => void api.dispose());
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
