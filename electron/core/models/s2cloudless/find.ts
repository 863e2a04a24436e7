/**
 * Finds the s2cloudless model files a user already has: the Python package ships them in
 * `s2cloudless/models/`. Asks python3 where the package is (find_spec: locates it without
 * importing it, which would pull in LightGBM, scipy and sentinelhub), then looks in the usual
 * site-packages folders. Never fails: no Python, no package or a slow interpreter give no candidates.
 */
import { execFile } from 'node:child_process';
import { readdir, realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { isLightgbmText } from '../lightgbm/parse.js';

/** The file names the package has shipped (v0.1 is S2PixelCloudDetector's default; v0.2 also exists). */
const MODEL_NAME = /^pixel_s2_cloud_detector_lightGBM_v[\w.]+\.txt$/;

export interface ModelCandidate {
  path: string;
  /** How it was found: the python3 on PATH, or a site-packages folder. */
  via: 'python' | 'site-packages';
}

export interface FindOptions {
  /** Interpreter to ask (default python3); null skips asking. */
  python?: string | null;
  /** How long python may take (default 3 s). */
  timeoutMs?: number;
  /** Home folder for ~/.local (default os.homedir()). */
  home?: string;
  /** Site-packages-like folders to look in instead of the usual ones (tests). */
  sitePackages?: string[];
}

const PY_FIND =
  "import importlib.util, os; s = importlib.util.find_spec('s2cloudless'); print(os.path.dirname(s.origin) if s and s.origin else '')";

/** The package folder python3 reports, or null. */
function askPython(python: string, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    try {
      execFile(python, ['-c', PY_FIND], { timeout: timeoutMs, windowsHide: true }, (err, stdout) => {
        const dir = String(stdout).trim();
        resolve(err || dir === '' ? null : dir);
      });
    } catch {
      resolve(null);
    }
  });
}

/** `<prefix>/lib/python3*` /site-packages folders (one readdir: python versions vary). */
async function pythonLibs(prefix: string): Promise<string[]> {
  const lib = join(prefix, 'lib');
  const names = await readdir(lib).catch(() => [] as string[]);
  return names
    .filter((n) => /^python3(\.\d+)?$/.test(n))
    .flatMap((n) => [join(lib, n, 'site-packages'), join(lib, n, 'dist-packages')]);
}

async function usualSitePackages(home: string): Promise<string[]> {
  const prefixes = [join(home, '.local'), '/usr/local', '/usr', '/opt/conda'];
  for (const v of ['VIRTUAL_ENV', 'CONDA_PREFIX']) {
    const p = process.env[v];
    if (p) prefixes.unshift(p);
  }
  const dirs = (await Promise.all(prefixes.map(pythonLibs))).flat();
  return [...dirs, '/usr/lib/python3/dist-packages'];
}

async function modelsIn(packageDir: string): Promise<string[]> {
  const dir = join(packageDir, 'models');
  const names = await readdir(dir).catch(() => [] as string[]);
  const files = names.filter((n) => MODEL_NAME.test(n)).sort();
  const ok = await Promise.all(files.map((n) => isLightgbmText(join(dir, n))));
  return files.filter((_, i) => ok[i]).map((n) => join(dir, n));
}

/** Every s2cloudless model file found, python's own package first, without duplicates. */
export async function findS2cloudlessModels(opts: FindOptions = {}): Promise<ModelCandidate[]> {
  const found: ModelCandidate[] = [];
  const seen = new Set<string>();
  const add = async (paths: string[], via: ModelCandidate['via']): Promise<void> => {
    for (const p of paths) {
      const real = await realpath(p).catch(() => p);
      if (seen.has(real)) continue;
      seen.add(real);
      found.push({ path: p, via });
    }
  };
  const python = opts.python === undefined ? 'python3' : opts.python;
  if (python !== null) {
    const dir = await askPython(python, opts.timeoutMs ?? 3000);
    if (dir) await add(await modelsIn(dir), 'python');
  }
  const sites = opts.sitePackages ?? (await usualSitePackages(opts.home ?? homedir()));
  for (const site of sites) await add(await modelsIn(join(site, 's2cloudless')), 'site-packages');
  return found;
}
