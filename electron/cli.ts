/**
 * Headless entry: `s2cloud <command> ...`. Commands live in electron/cli/, one file each; they
 * use core/ only, so everything here also works without Electron.
 */
import { main } from './cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`s2cloud: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
