/** Electron app lifecycle: one window, the API over IPC. Thin: the work happens in core/. */
import { app, BrowserWindow, ipcMain } from 'electron';
import { join } from 'node:path';
import { INVOKE_CHANNELS } from './api/contract.js';
import { createHandlers, dispatch } from './api/handlers.js';
import { APP_ROOT, appVersion, RENDERER_DIR } from './app-meta.js';

const handlers = createHandlers({ name: 'S2 Cloud Studio', version: appVersion(), shell: 'electron' });

function registerApi(): void {
  for (const channel of INVOKE_CHANNELS) {
    ipcMain.handle(`api:${channel}`, (_event, args: unknown) => dispatch(handlers, channel, args));
  }
}

function createWindow(): void {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'S2 Cloud Studio',
    webPreferences: {
      preload: join(APP_ROOT, 'dist', 'electron', 'preload.cjs'),
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
    },
  });
  void win.loadFile(join(RENDERER_DIR, 'index.html'));
}

app.whenReady().then(() => {
  registerApi();
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
