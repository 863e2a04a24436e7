/** The CLI's command dispatch, separate from the entry so tests can call it with their own streams. */
import { runInfo } from './info.js';
import { runPredict } from './predict.js';
import { runCompare } from './compare.js';
import { runFmaskCommand } from './fmask.js';
import { runBatchCommand } from './batch.js';

export interface CliIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

const USAGE = `Usage: s2cloud <command> [options]

Commands:
  info <product|folder> [--json] [--granule ID]
      Summarise a Sentinel-2 product (.SAFE folder, .zip, or MTD_MSIL1C/MTD_MSIL2A.xml),
      or every product found under a folder (recursively). Problems are reported per product.

  predict <product> [--model ID] [--resolution 10|20|60] [--out FILE] [--probabilities]
          [--probabilities-out FILE] [--batch N] [--quicklook FILE.png]
          [--granule ID] [--providers cuda,webgpu,cpu] [--threads N] [--tile PX] [--max-memory GB]
          [--coarsening average|jp2-level] [--cloud-only]
      Run a cloud model over the whole product and write the class mask (0 no data, 1 clear,
      2 cloud, 3 semi-transparent cloud, 4 cloud shadow) as a Cloud-Optimized GeoTIFF: the
      model's clouds, a semi-transparent rule and geometric cloud shadows (--cloud-only: the
      model's classes alone);
      default output <product>_<model>_<res>m.tif, default model dl-l8s2-uv-6b at its card's
      resolution. Ctrl+C cancels and leaves no partial file. At 20 and 60 m the 10 m bands are read
      at a reduced JPEG2000 level (the default, about 3x faster); --coarsening average
      block-averages the full-resolution pixels instead.

  compare [--reference REF] [--product SAFE] [ID=]mask ... [--binary] [--shadow clear|cloud|exclude]
          [--buffer N] [--out report.html] [--csv DIR] [--json FILE] [--crs EPSG] [--threshold T]
          [--reference-adapter ID] [--class-field F --class-table JSON] [--alcd-high-clouds cloud|semi]
          [--preset FILE.json]
      Map masks onto the class schema (adapter guessed, or ID: scl, msk-classi, msk-clouds-gml,
      msk-cldprb, fmask4, fmask5, kappamask, kappamask-png, s2cloudless, table), align them on
      one grid and print accuracy, kappa, per-class F1 and the binary cloud/clear scores against
      the reference (a raster, a vector file, or a folder of ALCD shapefiles), or pairwise
      agreement without one. --product adds the product's own masks (SCL, MSK_CLASSI).
      --preset applies a saved value -> class table ({"name", "table"}) to rasters from other tools.

  fmask <product> [--resolution 20|60] [--out FILE]
      The built-in Fmask 4 (Sentinel-2) on an L1C product, written as a COG with Fmask's codes
      (0 land, 1 water, 2 shadow, 3 snow, 4 cloud, 255 no data), labelled "Fmask (built-in)".

  batch <folder> --out DIR [--jobs N] [--model ID] [--resolution 10|20|60] [--probabilities]
        [--product-masks] [--fmask] [--cloud-only] [--no-metrics] [--no-quicklook] [--reference PATH]
        [--skip-existing | --no-skip-existing] [--restart] [--json]
      Run a model over every product found under a folder (recursively; unusable ones are listed
      with the reason): <product>_<model>_<res>m.tif per scene, optionally the probabilities, the
      product's own mask (SCL / MSK_CLASSI) as a schema COG and the built-in Fmask; class shares
      and agreement with the product's mask; CSV, JSON and HTML reports in DIR. A journal
      (DIR/s2cloud-batch.json) records every scene: Ctrl+C cancels cleanly and a rerun resumes
      (done scenes are skipped, failed and interrupted ones retried). --restart starts over,
      also when the journal was written with other options. Default jobs from cores and memory.

Options:
  -h, --help     this text
  -v, --version  the version
`;

export async function main(argv: string[], io: CliIo = process): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'info':
      return runInfo(rest, io);
    case 'predict':
      return runPredict(rest, io);
    case 'compare':
      return runCompare(rest, io);
    case 'fmask':
      return runFmaskCommand(rest, io);
    case 'batch':
      return runBatchCommand(rest, io);
    case '-v':
    case '--version':
      io.stdout.write(`${await version()}\n`);
      return 0;
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      (command === undefined ? io.stderr : io.stdout).write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      io.stderr.write(`s2cloud: unknown command '${command}'.\n\n${USAGE}`);
      return 2;
  }
}

async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  // electron/cli/main.ts in a checkout, dist/electron/cli/main.js when built.
  const rel = import.meta.url.endsWith('.ts') ? '../../package.json' : '../../../package.json';
  const pkg = JSON.parse(await readFile(new URL(rel, import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
