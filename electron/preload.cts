/**
 * Exposes the typed API to the sandboxed renderer. Nothing else: a sandboxed preload can only
 * require 'electron', so the channel list is checked in the main process.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { EventMessage, InvokeArgs, InvokeChannel, InvokeResponse } from './api/contract.js';

const api = {
  invoke<C extends InvokeChannel>(channel: C, args: InvokeArgs<C>): Promise<InvokeResponse<C>> {
    return ipcRenderer.invoke(`api:${channel}`, args) as Promise<InvokeResponse<C>>;
  },
  onEvent(listener: (msg: EventMessage) => void): () => void {
    const wrapped = (_e: IpcRendererEvent, msg: EventMessage): void => listener(msg);
    ipcRenderer.on('api:event', wrapped);
    return () => ipcRenderer.off('api:event', wrapped);
  },
};

contextBridge.exposeInMainWorld('s2', api);
