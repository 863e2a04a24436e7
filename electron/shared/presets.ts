/** The band combinations the map offers, with their usual names (shared by core/ and the renderer). */

/** The bands a preset may name: the MSI bands the map draws as reflectance. */
export type PresetBand = 'B02' | 'B03' | 'B04' | 'B08' | 'B11' | 'B12';

export type PresetId = 'true-colour' | 'false-colour' | 'swir';

export const PRESETS: Readonly<
  Record<PresetId, { label: string; bands: [PresetBand, PresetBand, PresetBand] }>
> = {
  'true-colour': { label: 'True colour (B04 B03 B02)', bands: ['B04', 'B03', 'B02'] },
  'false-colour': { label: 'False colour, NIR (B08 B04 B03)', bands: ['B08', 'B04', 'B03'] },
  swir: { label: 'SWIR (B12 B08 B04)', bands: ['B12', 'B08', 'B04'] },
};
