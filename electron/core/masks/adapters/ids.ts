/** Adapter ids, as used by the CLI and the registry. */
export const ADAPTER_IDS = [
  'scl',
  'msk-classi',
  'msk-clouds-gml',
  'msk-cldprb',
  'fmask4',
  'fmask5',
  'kappamask',
  'kappamask-png',
  's2cloudless',
  'maja',
  'maja-mg2',
  'table',
  'studio',
] as const;
export type AdapterId = (typeof ADAPTER_IDS)[number];

export function isAdapterId(v: string): v is AdapterId {
  return (ADAPTER_IDS as readonly string[]).includes(v);
}
