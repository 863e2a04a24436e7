/** The CLI's command dispatch, separate from the entry so tests can call it with their own streams. */
// Commands are imported when run: `sample`, `--help` and `--version` stay quick (ONNX Runtime,
// geotiff and the mask adapters are not loaded for them).
import { ADAPTER_IDS } from '../core/masks/adapters/ids.js';
import { destroySharedDecoder } from '../core/raster/jp2/index.js';
import { sampleProductPath } from '../core/sample/path.js';
import { SUGGEST_USAGE } from './suggest.js';
import { TEACH_USAGE } from './teach.js';

export interface CliIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

/** Each command's usage: listed by `s2cloud --help`, shown alone by `s2cloud <command> --help`. */
const COMMANDS: ReadonlyArray<{ name: string; usage: string }> = [
  {
    name: 'sample',
    usage: `sample
    Print the absolute path of the sample product that ships with the application: a small real
    Sentinel-2 L1C (2.5 km, SEN12MS-CR, CC-BY-4.0) with cumulus clouds and their shadows. Try:
      s2cloud predict "$(s2cloud sample)" --quicklook sample.png`,
  },
  {
    name: 'info',
    usage: `info <product|folder> [--json] [--granule ID]
    Summarise a Sentinel-2 product (.SAFE folder, .zip, or MTD_MSIL1C/MTD_MSIL2A.xml),
    or every product found under a folder (recursively). Problems are reported per product.`,
  },
  {
    name: 'predict',
    usage: `predict <product> [--model ID] [--resolution 10|20|60] [--out FILE] [--probabilities]
        [--probabilities-out FILE] [--batch N] [--quicklook FILE.png]
        [--granule ID] [--providers cuda,webgpu,cpu] [--threads N] [--network-workers N]
        [--tile PX] [--max-memory GB] [--coarsening average|jp2-level] [--cloud-only] [--no-fusion]
    Run a cloud model over the whole product and write the class mask (0 no data, 1 clear,
    2 cloud, 3 semi-transparent cloud, 4 cloud shadow) as a Cloud-Optimized GeoTIFF: the
    model's clouds fused with spectral evidence (the card's fused decision; --no-fusion: the
    CNN's clouds), a semi-transparent rule and geometric cloud shadows (--cloud-only: the
    model's classes alone);
    default output <product>_<model>_<res>m.tif, default model dl-l8s2-uv-6b at its card's
    resolution. Ctrl+C cancels and leaves no partial file. At 20 and 60 m the 10 m bands are
    block-averaged (the default); --coarsening jp2-level reads a reduced JPEG2000 level instead
    (about 3x less decoding, but it cost the default model 0.10-0.23 of cloud F1 on real data).
    On the CPU the network runs on two worker sessions where there are 2 threads and 8 GiB of
    memory (about 230 MB more); --network-workers 1 keeps one session.`,
  },
  {
    name: 'compare',
    usage: `compare [--reference REF] [--product SAFE] [ID=]mask ... [--binary] [--shadow clear|cloud|exclude]
        [--buffer N] [--out report.html] [--csv DIR] [--json FILE] [--crs EPSG] [--threshold T]
        [--reference-adapter ID] [--class-field F --class-table JSON] [--alcd-high-clouds cloud|semi]
        [--preset FILE.json]
    Map masks onto the class schema (adapter guessed, or ID, one of
    ${ADAPTER_IDS.slice(0, 5).join(', ')},
    ${ADAPTER_IDS.slice(5).join(', ')} (values already 0-4),
    align them on one grid and print accuracy, kappa, per-class F1 and the binary cloud/clear
    scores against the reference (a raster, a vector file, or a folder of ALCD shapefiles), or
    pairwise agreement without one. --product adds the product's own masks (SCL, MSK_CLASSI).
    --preset applies a saved value -> class table ({"name", "table"}) to rasters from other tools.`,
  },
  {
    name: 'fmask',
    usage: `fmask <product> [--resolution 20|60] [--out FILE]
    The built-in Fmask 4 (Sentinel-2) on an L1C product, written as a COG with Fmask's codes
    (0 land, 1 water, 2 shadow, 3 snow, 4 cloud, 255 no data), labelled "Fmask (built-in)".`,
  },
  {
    name: 'batch',
    usage: `batch <folder|list.txt> --out DIR [--jobs N] [--model ID] [--resolution 10|20|60] [--probabilities]
      [--product-masks] [--fmask] [--cloud-only] [--no-metrics] [--no-quicklook] [--reference PATH]
      [--skip-existing | --no-skip-existing] [--restart] [--shard K/N | auto[/N]] [--max-attempts N] [--json]
    batch report DIR [--json]
    Run a model over every product found under a folder (recursively), or named in a list file
    (one path per line, # comments): <product>_<model>_<res>m.tif per scene, optionally the
    probabilities, the product's own mask (SCL / MSK_CLASSI) as a schema COG and the built-in
    Fmask; class shares and agreement with the product's mask; CSV, JSON and HTML reports in DIR.
    A journal (DIR/s2cloud-batch.json) records every scene: Ctrl+C cancels cleanly and a rerun
    resumes (done scenes are skipped, failed and interrupted ones retried, at most --max-attempts
    times). --restart starts over, also when the journal was written with other options.
    --shard K/N processes slice K (0..N-1) of N, by product id, for array jobs: each worker keeps
    DIR/s2cloud-batch.shard-K-of-N.json and writes no reports (--max-attempts defaults to 3);
    --shard auto reads K and N from JOB_COMPLETION_INDEX (Kubernetes; N from auto/N or
    S2CLOUD_SHARD_COUNT), AWS_BATCH_JOB_ARRAY_INDEX/SIZE, BATCH_TASK_INDEX/COUNT (Google Cloud
    Batch) or SLURM_ARRAY_TASK_ID/COUNT. \`batch report DIR\` merges the shards' journals into
    the reports. Default jobs from cores and memory. See docs/scale-out.md.`,
  },
  { name: 'suggest', usage: SUGGEST_USAGE },
  { name: 'teach', usage: TEACH_USAGE },
];

const USAGE = `Usage: s2cloud <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.usage.split('\n').join('\n  ')}`).join('\n\n')}

Options:
  -h, --help     this text (also after a command: s2cloud <command> --help)
  -v, --version  the version
`;

/** Runs `s2cloud <argv>`; resolves to the exit code (0 done, 1 failed, 2 usage error, 130 cancelled). */
export async function main(argv: string[], io: CliIo = process): Promise<number> {
  const [command, ...rest] = argv;
  const known = COMMANDS.find((c) => c.name === command);
  // `s2cloud <command> --help` (before any `--`): that command's usage, whatever else is given.
  const own = rest.indexOf('--');
  const flags = own < 0 ? rest : rest.slice(0, own);
  if (known && (flags.includes('--help') || flags.includes('-h'))) {
    io.stdout.write(`Usage: s2cloud ${known.usage}\n`);
    return 0;
  }
  const code = await dispatch(command, rest, io);
  // Exit 2 is a usage error (an unknown option, a bad value): say where the options are.
  if (code === 2 && known) io.stderr.write(`(s2cloud ${known.name} --help lists its options)\n`);
  return code;
}

async function dispatch(command: string | undefined, rest: string[], io: CliIo): Promise<number> {
  try {
    switch (command) {
      case 'sample':
        return runSample(rest, io);
      case 'info':
        return await (await import('./info.js')).runInfo(rest, io);
      case 'predict':
        return await (await import('./predict.js')).runPredict(rest, io);
      case 'compare':
        return await (await import('./compare.js')).runCompare(rest, io);
      case 'fmask':
        return await (await import('./fmask.js')).runFmaskCommand(rest, io);
      case 'batch':
        return await (await import('./batch.js')).runBatchCommand(rest, io);
      case 'suggest':
        return await (await import('./suggest.js')).runSuggestCommand(rest, io);
      case 'teach':
        return await (await import('./teach.js')).runTeachCommand(rest, io);
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
  } finally {
    // Decoder worker threads keep Node alive: every command ends with them gone, also on errors.
    await destroySharedDecoder();
  }
}

/** `s2cloud sample`: the sample product's absolute path, for `s2cloud predict "$(s2cloud sample)"`. */
function runSample(args: string[], io: CliIo): number {
  if (args.length > 0) {
    io.stderr.write(`s2cloud sample: takes no arguments (got ${args.join(' ')}).\n`);
    return 2;
  }
  io.stdout.write(`${sampleProductPath()}\n`);
  return 0;
}

async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  // electron/cli/main.ts in a checkout, dist/electron/cli/main.js when built.
  const rel = import.meta.url.endsWith('.ts') ? '../../package.json' : '../../../package.json';
  const pkg = JSON.parse(await readFile(new URL(rel, import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
