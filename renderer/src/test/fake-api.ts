/**
 * A stand-in for the main process in renderer specs: answers invokes from per-channel handlers,
 * records every call, and lets a spec push events as the main process would.
 */
import type {
  EventChannel,
  EventChannels,
  InvokeArgs,
  InvokeChannel,
  InvokeResult,
} from '../../../electron/api/contract';

type Handler<C extends InvokeChannel> = (args: InvokeArgs<C>) => InvokeResult<C> | Promise<InvokeResult<C>>;

export interface FakeApi {
  calls: Array<{ channel: InvokeChannel; args: unknown }>;
  handle<C extends InvokeChannel>(channel: C, fn: Handler<C>): void;
  emit<E extends EventChannel>(name: E, payload: EventChannels[E]): void;
  /** How many listeners an event channel has now. */
  listeners(name: EventChannel): number;
  invoke<C extends InvokeChannel>(channel: C, args: InvokeArgs<C>): Promise<InvokeResult<C>>;
  on<E extends EventChannel>(name: E, fn: (payload: EventChannels[E]) => void): () => void;
}

export function fakeApi(): FakeApi {
  const handlers = new Map<InvokeChannel, (args: unknown) => unknown>();
  const subs = new Map<EventChannel, Set<(p: unknown) => void>>();
  const api: FakeApi = {
    calls: [],
    handle(channel, fn) {
      handlers.set(channel, fn as (args: unknown) => unknown);
    },
    emit(name, payload) {
      for (const fn of [...(subs.get(name) ?? [])]) fn(payload);
    },
    listeners: (name) => subs.get(name)?.size ?? 0,
    async invoke(channel, args) {
      api.calls.push({ channel, args });
      const h = handlers.get(channel);
      if (!h) throw new Error(`fake api: no handler for ${channel}`);
      return (await h(args)) as InvokeResult<typeof channel>;
    },
    on(name, fn) {
      const set = subs.get(name) ?? new Set();
      subs.set(name, set);
      const l = fn as (p: unknown) => void;
      set.add(l);
      return () => set.delete(l);
    },
  };
  return api;
}
