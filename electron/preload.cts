/**
 * Exposes the typed API to the sandboxed renderer. Nothing else: a sandboxed preload can only
 * require 'electron', so the channel list is checked in the main process.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { InvokeArgs, InvokeChannel, InvokeResponse } from './api/contract.js';

const api = {
  invoke<C extends InvokeChannel>(channel: C, args: InvokeArgs<C>): Promise<InvokeResponse<C>> {
    return ipcRenderer.invoke(`api:${channel}`, args) as Promise<InvokeResponse<C>>;
  },
};

contextBridge.exposeInMainWorld('s2', api);
