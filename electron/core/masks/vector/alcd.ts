/**
 * ALCD (CNES Active Learning Cloud Detection, Baetens, Desjardins & Hagolle 2019, Remote Sens.
 * 11, 433) reference samples: one point Shapefile per class in In_data/Masks, named
 * low_clouds, high_clouds, clouds_shadows, land, water, snow, background (and no_data).
 *
 * Decision: high_clouds -> 2 (cloud), not 3 (semi-transparent). ALCD's classes are defined by
 * altitude, not opacity: "high clouds" are those seen in the 1.38 um cirrus band and hold thick
 * and thin ones alike (the ALCD manual asks for samples "on the centre of the clouds, but also
 * where they are thin" for both low and high clouds), and the paper validates with low and high
 * clouds merged into one cloud class. ALCD_CIRRUS_RULE maps high_clouds -> 3 for those who
 * want the split anyway.
 * ALCD's own numeric codes (parameters_files/global_parameters.json in github.com/CNES/ALCD:
 * background 1, low_clouds 2, high_clouds 3, clouds_shadows 4, land 5, water 6, snow 7) are
 * what its merged samples and output rasters carry; ALCD_CODE_RULE maps a "class" attribute.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MaskClass, type MaskClassValue } from '../schema.js';
import type { ClassRule } from './classes.js';

export const ALCD_FILE_CLASSES: Readonly<Record<string, MaskClassValue>> = {
  low_clouds: MaskClass.Cloud,
  high_clouds: MaskClass.Cloud,
  clouds_shadows: MaskClass.CloudShadow,
  land: MaskClass.Clear,
  water: MaskClass.Clear,
  snow: MaskClass.Clear,
  background: MaskClass.NoData,
  no_data: MaskClass.NoData,
};

/** The ready-made ALCD preset: class from the Shapefile's name. */
export const ALCD_RULE: ClassRule = { kind: 'file', table: ALCD_FILE_CLASSES };

/** Variant with high clouds as semi-transparent (class 3). */
export const ALCD_CIRRUS_RULE: ClassRule = {
  kind: 'file',
  table: { ...ALCD_FILE_CLASSES, high_clouds: MaskClass.SemiTransparentCloud },
};

/** ALCD numeric class codes (attribute "class" of merged samples / labelled rasters). */
export const ALCD_CODE_TABLE: Readonly<Record<string, MaskClassValue>> = {
  '0': MaskClass.NoData,
  '1': MaskClass.NoData,
  '2': MaskClass.Cloud,
  '3': MaskClass.Cloud,
  '4': MaskClass.CloudShadow,
  '5': MaskClass.Clear,
  '6': MaskClass.Clear,
  '7': MaskClass.Clear,
};
export const ALCD_CODE_RULE: ClassRule = { kind: 'field', field: 'class', table: ALCD_CODE_TABLE };

/** The class Shapefiles of an ALCD Masks folder (sorted; unknown names are kept and reported). */
export function alcdShapefiles(masksDir: string): string[] {
  return readdirSync(masksDir)
    .filter((f) => f.toLowerCase().endsWith('.shp'))
    .sort()
    .map((f) => join(masksDir, f));
}
