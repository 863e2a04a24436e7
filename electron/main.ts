/** Electron app lifecycle: one window, the API over IPC, tiles over s2tile://. Thin: the work happens in core/. */
import { app, BrowserWindow, ipcMain, protocol, session, type IpcMainInvokeEvent } from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { INVOKE_CHANNELS } from './api/contract.js';
import { createApi, dispatch } from './api/handlers.js';
import { senderRefusal } from './api/ipc-sender.js';
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

/** The one page allowed to call the API. */
const RENDERER_URL = pathToFileURL(join(RENDERER_DIR, 'index.html')).href;

let mainWindow: BrowserWindow | null = null;

// Every renderer sandboxed, not only the ones we create with the option.
app.enableSandbox();

/** Why an IPC call is refused: not the main frame of our window, or not our page in it. */
function ipcRefusal(event: IpcMainInvokeEvent): string | null {
  const frame = event.senderFrame;
  const win = mainWindow;
  return senderRefusal(
    {
      frameUrl: frame?.url,
      isMainFrame: frame !== null && frame.parent === null,
      fromMainWindow: win !== null && !win.isDestroyed() && event.sender.id === win.webContents.id,
    },
    RENDERER_URL,
  );
}

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
    ipcMain.handle(`api:${channel}`, (event, args: unknown) => {
      const refusal = ipcRefusal(event);
      // Thrown, not returned as data: the caller is not our UI, so there is no one to show it to.
      if (refusal) throw new Error(refusal);
      return dispatch(api.handlers, channel, args);
    });
  }
  api.events.subscribe((msg) => {
    // Events go to the app's window only.
    if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send('api:event', msg);
  });
  protocol.handle('s2tile', async (request) => {
    const url = new URL(request.url);
    // A fetch Request: its signal fires when the page drops the tile (MapLibre aborts tiles that left the view).
    const t = await tileResponse(api.tiles, url.pathname, url.searchParams, request.signal);
    return new Response(t.status === 204 ? null : t.body, {
      status: t.status,
      // As the web host: an empty tile that failed or was cancelled must not be served from cache later.
      headers: { 'content-type': t.type, 'cache-control': t.error ? 'no-store' : 'private, max-age=300' },
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
  mainWindow = win;
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  void win.loadFile(join(RENDERER_DIR, 'index.html'));
}

// No web contents ever navigates away, opens a window or embeds a webview: everything the app
// needs is local (set for every contents, including any a dependency might create).
app.on('web-contents-created', (_event, contents) => {
  contents.on('will-navigate', (e) => e.preventDefault());
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

app.whenReady().then(() => {
  // The app needs no camera, microphone, location, notification, USB, serial or HID: deny all.
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  session.defaultSession.setDevicePermissionHandler(() => false);
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
