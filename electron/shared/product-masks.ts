/** The masks a product carries itself, by id, and their names as analysts know them. */

export type ProductMaskId = 'scl' | 'msk-classi' | 'msk-cldprb' | 'maja' | 'maja-mg2';

export const PRODUCT_MASK_NAMES: Readonly<Record<ProductMaskId, string>> = {
  scl: 'Sen2Cor SCL',
  'msk-classi': 'MSK_CLASSI',
  'msk-cldprb': 'MSK_CLDPRB (probability)',
  maja: 'MAJA CLM',
  'maja-mg2': 'MAJA MG2 (clouds, shadows)',
};

/** Product masks that hold classes (a probability cannot be a reference or be scored). */
export const PRODUCT_CLASS_MASKS: readonly ProductMaskId[] = ['scl', 'msk-classi', 'maja', 'maja-mg2'];
