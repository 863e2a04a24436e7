/**
 * package.json "engines" against what the installed packages declare: every Node version our
 * range admits must satisfy every non-optional package in the lockfile (Electron 45's
 * @electron/get and electron-builder's helpers need 22.12+, ESLint ^22.13 || >=24), so a user on a
 * supported Node sees no EBADENGINE. `.npmrc` keeps engine-strict off, so `npm ci` on an older
 * Node (CI here runs 20) still installs, with warnings, and the CLI and tests run.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/env.js';

interface LockPackage {
  engines?: { node?: string } | string[];
  optional?: boolean;
}

const semver = createRequire(join(ROOT, 'package.json'))('semver') as {
  subset(sub: string, sup: string): boolean;
  validRange(r: string): string | null;
};

describe('package.json engines', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockPackage>;
  };

  it('admits only Node versions every required package supports', () => {
    const ours = pkg.engines.node;
    expect(semver.validRange(ours)).not.toBeNull();
    const unmet: string[] = [];
    for (const [path, p] of Object.entries(lock.packages)) {
      const node = Array.isArray(p.engines) ? undefined : p.engines?.node;
      if (path === '' || p.optional || node === undefined) continue;
      if (!semver.subset(ours, node)) unmet.push(`${path} wants ${node}`);
    }
    expect(unmet).toEqual([]);
    // What Electron 45 and electron-builder's helpers declare.
    expect(semver.subset(ours, '>=22.12.0')).toBe(true);
  });

  it('keeps engine-strict off, so npm ci on an older Node warns instead of failing', () => {
    expect(readFileSync(join(ROOT, '.npmrc'), 'utf8')).toMatch(/^engine-strict=false$/m);
  });
});
