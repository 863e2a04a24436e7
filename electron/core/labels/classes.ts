/**
 * The `class` attribute of a label file: the schema value (0 ignore, 1 clear, 2 cloud,
 * 3 semi-transparent, 4 cloud shadow) or its name. Names are what a person types in QGIS's
 * attribute table, so the usual spellings are accepted; anything else is refused by name.
 */
import { MaskClass, type MaskClassValue } from '../masks/schema.js';
import type { ClassRule } from '../masks/vector/classes.js';

/** The attribute holding the class in every label file. */
export const LABEL_CLASS_FIELD = 'class';

/** The name written beside each class (`class_name`), one per schema value. */
export const LABEL_CLASS_NAMES: Readonly<Record<MaskClassValue, string>> = {
  0: 'ignore',
  1: 'clear',
  2: 'cloud',
  3: 'semi-transparent',
  4: 'shadow',
};

/** Value (as text, lower case) -> class: numbers and the accepted names. */
export const LABEL_CLASS_TABLE: Readonly<Record<string, MaskClassValue>> = {
  '0': MaskClass.NoData,
  '1': MaskClass.Clear,
  '2': MaskClass.Cloud,
  '3': MaskClass.SemiTransparentCloud,
  '4': MaskClass.CloudShadow,
  ignore: MaskClass.NoData,
  'no data': MaskClass.NoData,
  clear: MaskClass.Clear,
  cloud: MaskClass.Cloud,
  'semi-transparent': MaskClass.SemiTransparentCloud,
  'semi-transparent cloud': MaskClass.SemiTransparentCloud,
  semitransparent: MaskClass.SemiTransparentCloud,
  semi: MaskClass.SemiTransparentCloud,
  shadow: MaskClass.CloudShadow,
  'cloud shadow': MaskClass.CloudShadow,
};

/** The class rule the vector code (compare, rasterise) uses for a label file. */
export const LABEL_RULE: ClassRule = { kind: 'field', field: LABEL_CLASS_FIELD, table: LABEL_CLASS_TABLE };

/** The class of one attribute value, or undefined when it is not one of ours. */
export function parseLabelClass(value: string | number | null | undefined): MaskClassValue | undefined {
  if (value === null || value === undefined) return undefined;
  return LABEL_CLASS_TABLE[String(value).trim().toLowerCase()];
}
