import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { S2Error } from '../errors.js';
import { folderProductFiles } from './folder-source.js';
import { baseOf, dirOf, type ProductFiles } from './product-files.js';
import { isTheiaMtdName } from './theia/names.js';
import { openZipArchive } from './zip-source.js';

/**
 * Product-level metadata file names: MTD_MSIL1C.xml / MTD_MSIL2A.xml (SAFE compact), the legacy
 * PDGS S2A_OPER_MTD_SAFL1C_*.xml / S2A_USER_MTD_SAFL2A*.xml, and L1B's (recognised only to refuse it).
 */
export const PRODUCT_XML = /^(MTD_MSIL(1B|1C|2A)|S2[A-D_]_\w*MTD_(SAFL(1B|1C|2A)|L1B)\w*)\.xml$/i;

const EXPECTED =
  'MTD_MSIL1C.xml, MTD_MSIL2A.xml, a legacy S2x_OPER_MTD_SAFL1C*.xml, or a THEIA L2A *_MTD_ALL.xml';

/** A THEIA product folder name: SENTINEL2A_20180405-105843-555_L2A_T31TCJ_C_V2-2. */
const THEIA_FOLDER = /^SENTINEL2[A-D]_\d{8}-\d{6}-\d{3}_L2A_/i;

/** Where a product's files are, and which of them is its product-level metadata. */
export interface LocatedProduct {
  /** ESA SAFE (MTD_MSIL*.xml + granule MTD_TL.xml) or THEIA MUSCATE (*_MTD_ALL.xml). */
  kind: 'safe' | 'theia';
  files: ProductFiles;
  /** Path of the product XML, relative to the product root. */
  productXml: string;
}

export function isProductXmlName(name: string): boolean {
  return PRODUCT_XML.test(name) || isTheiaMtdName(name);
}

function kindOf(xml: string): LocatedProduct['kind'] {
  return isTheiaMtdName(xml) ? 'theia' : 'safe';
}

/** Prefers MTD_MSIL*.xml when a folder holds several candidates. */
function pickProductXml(names: string[]): string | undefined {
  const hits = names.filter(isProductXmlName).sort();
  return hits.find((n) => /^MTD_MSIL/i.test(n)) ?? hits.find((n) => PRODUCT_XML.test(n)) ?? hits[0];
}

async function locateFolder(folder: string, depth = 0): Promise<LocatedProduct> {
  const entries = await readdir(folder, { withFileTypes: true });
  if (entries.length === 0) {
    throw new S2Error('NOT_A_PRODUCT', `${folder} is an empty folder, not a Sentinel-2 product.`, {
      file: folder,
    });
  }
  const xml = pickProductXml(entries.filter((e) => e.isFile()).map((e) => e.name));
  if (xml) return { kind: kindOf(xml), files: await folderProductFiles(folder), productXml: xml };
  // A folder a .SAFE (or a THEIA product) was unzipped into: open the one product inside.
  const safes = entries.filter(
    (e) => e.isDirectory() && (/\.SAFE$/i.test(e.name) || THEIA_FOLDER.test(e.name)),
  );
  if (safes.length === 1 && depth === 0 && safes[0]) return locateFolder(join(folder, safes[0].name), 1);
  if (safes.length > 1) {
    throw new S2Error(
      'NOT_A_PRODUCT',
      `${folder} holds ${safes.length} products, not one: open one of them, or scan the folder for products.`,
      { file: folder, details: { products: safes.map((e) => e.name) } },
    );
  }
  throw new S2Error('NOT_A_PRODUCT', `${folder} is not a Sentinel-2 product: it has no ${EXPECTED}.`, {
    file: folder,
  });
}

async function locateZip(zipPath: string): Promise<LocatedProduct> {
  const zip = await openZipArchive(zipPath);
  // The product XML sits at the zip's root or one folder down (NAME.SAFE/MTD_MSIL1C.xml).
  const candidates = zip.names.filter((n) => n.split('/').length <= 2 && isProductXmlName(baseOf(n)));
  const xmlEntry = pickProductXml(candidates.map(baseOf)) ?? '';
  const full = candidates.sort((a, b) => a.length - b.length).find((n) => baseOf(n) === xmlEntry);
  if (!full) {
    await zip.close();
    throw new S2Error(
      'NOT_A_PRODUCT',
      `${zipPath} is a zip but not a Sentinel-2 product: it has no ${EXPECTED}.`,
      {
        file: zipPath,
      },
    );
  }
  const prefix = dirOf(full);
  const strip = prefix === '' ? 0 : prefix.length + 1;
  const paths = new Set(
    zip.names.filter((n) => prefix === '' || n.startsWith(`${prefix}/`)).map((n) => n.slice(strip)),
  );
  const inner = (p: string): string => (prefix === '' ? p : `${prefix}/${p}`);
  const files: ProductFiles = {
    rootName: prefix === '' ? zipPath : `${zipPath}!/${prefix}`,
    paths,
    open: (p, o) => zip.open(inner(p), o),
    readText: (p) => zip.readText(inner(p)),
    close: () => zip.close(),
  };
  return { kind: kindOf(full), files, productXml: baseOf(full) };
}

/** Finds the product behind what the user picked: a .SAFE folder, a .zip, or the product XML itself. */
export async function locateProduct(path: string): Promise<LocatedProduct> {
  let st;
  try {
    st = await stat(path);
  } catch (err) {
    throw new S2Error('NOT_FOUND', `${path} does not exist or cannot be read.`, { file: path, cause: err });
  }
  if (st.isDirectory()) return locateFolder(path);
  const name = basename(path);
  if (/\.zip$/i.test(name)) return locateZip(path);
  if (isProductXmlName(name)) {
    return { kind: kindOf(name), files: await folderProductFiles(dirname(path)), productXml: name };
  }
  const hint = /MTD_TL|_MTD_L[12][ABC]_TL/i.test(name)
    ? ' It is a granule (tile) metadata file: open the product folder or its product XML instead.'
    : '';
  throw new S2Error(
    'NOT_A_PRODUCT',
    `${path} is not a Sentinel-2 product (expected a .SAFE folder, a THEIA L2A folder, a .zip or ${EXPECTED}).${hint}`,
    {
      file: path,
    },
  );
}
