import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { outsideAsar } from '../asar-path.js';
import { S2Error } from '../errors.js';

/**
 * The embedded sample product (a small real L1C built by `npm run sample:build` from the
 * SEN12MS-CR patch in ../shared; see samples/NOTICE.md). Its name follows ESA's product naming;
 * the date and orbit are the ones the sample's metadata states (the source gives no date).
 */
export const SAMPLE_PRODUCT_NAME = 'S2B_MSIL1C_20180803T101019_N0206_R022_T31PGN_20180803T121513.SAFE';

/**
 * The application root: the first folder above this file with a package.json (the checkout,
 * or `<resources>/app.asar` in a packaged app, where Electron's fs reads the archive).
 */
function appRoot(): string | undefined {
  let dir = import.meta.dirname;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The `samples` folder: `<repo>/samples` in a checkout; `<resources>/samples` in a packaged app
 * (electron-builder's extraResources, so the product is real files that workers and GDAL can open).
 * `root` is the application root (default: found from this file).
 */
export function samplesDir(root: string | undefined = appRoot()): string {
  if (root === undefined) {
    throw new S2Error('NOT_FOUND', `Cannot find the application folder above ${import.meta.dirname}.`);
  }
  return outsideAsar(join(root, 'samples'));
}

/**
 * Absolute path of the committed sample product (.SAFE folder) in `dir` (default samplesDir());
 * NOT_FOUND with a reason when absent.
 */
export function sampleProductPath(dir: string = samplesDir()): string {
  const path = join(dir, SAMPLE_PRODUCT_NAME);
  const isDir = existsSync(path) && statSync(path).isDirectory();
  if (!isDir) {
    throw new S2Error(
      'NOT_FOUND',
      `The sample product is missing: ${path} does not exist. It ships with the application` +
        ' (samples/ in the repository); rebuild it with `npm run sample:build` or reinstall.',
      { file: path },
    );
  }
  return path;
}
