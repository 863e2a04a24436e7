/**
 * THEIA (MUSCATE format) file names. A product folder is named
 *   SENTINEL2A_20180405-105843-555_L2A_T31TCJ_C_V2-2/
 * (platform _ acquisition date-time-ms _ level _ tile _ C(omplete)/H(ybrid)/D(istributed) _ version)
 * and holds SENTINEL2A_…_V2-2_MTD_ALL.xml, …_FRE_B2.tif, MASKS/…_CLM_R1.tif, DATA/…_QKL_ALL.jpg.
 * Names are only used to find the metadata file and to read bands the metadata does not list:
 * everything else comes from *_MTD_ALL.xml.
 */
import { SPECTRAL_BANDS, type QiMaskKind, type Resolution, type SpectralBand } from '../types.js';

/** The product metadata file of a THEIA product. */
export const THEIA_MTD = /_MTD_ALL\.xml$/i;

export function isTheiaMtdName(name: string): boolean {
  return THEIA_MTD.test(name);
}

/** 'B2' / 'B02' / 'B8A' -> the project's band name; null for anything else. */
export function theiaBand(id: string): SpectralBand | null {
  const m = /^B(\d{1,2}|8A)$/i.exec(id.trim());
  if (!m) return null;
  const n = (m[1] ?? '').toUpperCase();
  const name = n === '8A' ? 'B8A' : `B${n.padStart(2, '0')}`;
  return (SPECTRAL_BANDS as readonly string[]).includes(name) ? (name as SpectralBand) : null;
}

/** R1 -> 10 m, R2 -> 20 m (Sentinel-2 MUSCATE groups); null for other groups. */
export function groupResolution(group: string): Resolution | null {
  const g = group.trim().toUpperCase();
  return g === 'R1' ? 10 : g === 'R2' ? 20 : null;
}

/** Reflectance file name: …_FRE_B8A.tif -> { kind: 'FRE', band: 'B8A' }. */
export function classifyReflectanceFile(path: string): { kind: 'FRE' | 'SRE'; band: SpectralBand } | null {
  const m = /_(FRE|SRE)_(B\w+)\.tif$/i.exec(path);
  if (!m) return null;
  const band = theiaBand(m[2] ?? '');
  return band ? { kind: (m[1] ?? '').toUpperCase() as 'FRE' | 'SRE', band } : null;
}

const MASK_KINDS: Readonly<Record<string, QiMaskKind>> = {
  CLM: 'MAJA_CLM',
  EDG: 'MAJA_EDG',
  MG2: 'MAJA_MG2',
  SAT: 'MAJA_SAT',
  DFP: 'MAJA_DFP',
  IAB: 'MAJA_IAB',
};

/** Mask file name: MASKS/…_CLM_R2.tif -> { kind: 'MAJA_CLM', resolution: 20 }. */
export function classifyMaskFile(path: string): { kind: QiMaskKind; resolution: Resolution } | null {
  const m = /_(CLM|EDG|MG2|SAT|DFP|IAB)_(R\d)\.tif$/i.exec(path);
  if (!m) return null;
  const kind = MASK_KINDS[(m[1] ?? '').toUpperCase()];
  const resolution = groupResolution(m[2] ?? '');
  return kind && resolution ? { kind, resolution } : null;
}

/** MASK nature in MTD_ALL.xml (Mask_Properties/NATURE) -> kind. */
export const MASK_NATURES: Readonly<Record<string, QiMaskKind>> = {
  Cloud: 'MAJA_CLM',
  Edge: 'MAJA_EDG',
  Geophysics: 'MAJA_MG2',
  Saturation: 'MAJA_SAT',
  Defective_Pixel: 'MAJA_DFP',
  WVC_Interpolation: 'MAJA_IAB',
  AOT_Interpolation: 'MAJA_IAB',
};
