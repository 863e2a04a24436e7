/** Implements the contract by calling core services. Shared by the Electron main process and the web host. */
import { S2Error, toS2Error } from '../core/errors.js';
import { discoverProducts, openProduct } from '../core/scene/index.js';
import type {
  AppInfo,
  InvokeArgs,
  InvokeChannel,
  InvokeChannels,
  InvokeResponse,
  InvokeResult,
} from './contract.js';

export type Handlers = { [C in InvokeChannel]: (args: InvokeArgs<C>) => Promise<InvokeResult<C>> };

export function createHandlers(app: Omit<AppInfo, 'platform'>): Handlers {
  return {
    'app.info': async () => ({ ...app, platform: process.platform }),
    'scene.open': async ({ path, granule }) => {
      const product = await openProduct(path, granule === undefined ? {} : { granule });
      try {
        const { metadata, bands, masks, warnings } = product;
        return { path, ok: true, metadata, bands, masks, warnings };
      } finally {
        await product.close();
      }
    },
    'scene.discover': async ({ folder }) => discoverProducts(folder),
  };
}

/** Runs one invoke and turns any failure into data the other side can show in words. */
export async function dispatch<C extends InvokeChannel>(
  handlers: Handlers,
  channel: C,
  args: unknown,
): Promise<InvokeResponse<C>> {
  try {
    if (args === null || typeof args !== 'object') {
      throw new S2Error('INVALID_ARGUMENT', `The arguments of ${channel} must be an object.`);
    }
    const handler = handlers[channel] as (a: InvokeChannels[C]['args']) => Promise<InvokeResult<C>>;
    return { ok: true, result: await handler(args as InvokeChannels[C]['args']) };
  } catch (err) {
    return { ok: false, error: toS2Error(err).toJSON() };
  }
}
