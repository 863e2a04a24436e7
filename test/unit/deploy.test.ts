/**
 * The container image and the engine files under deploy/ are not run here (no Docker daemon, no
 * cluster): each is parsed, and the fields the batch relies on are checked against the CLI: the
 * shard count agrees with the engine's task count, the memory asked for covers a product's peak,
 * the output folder is the mounted one, the report runs after the shards.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCENE_PEAK_BYTES } from '../../electron/core/batch/jobs.js';
import { parseShard } from '../../electron/core/batch/shard.js';
import { ROOT } from '../helpers/env.js';

// js-yaml 4 comes with electron-builder (a pinned devDependency); loaded by require, since it
// ships no types and we only need load/loadAll.
const yaml = createRequire(import.meta.url)('js-yaml') as {
  load(text: string): unknown;
  loadAll(text: string): unknown[];
};

const DEPLOY = join(ROOT, 'deploy');
const read = (rel: string): string => readFileSync(join(DEPLOY, rel), 'utf8');

/** Bytes of a Kubernetes quantity (3Gi, 4096Mi, 4G). */
function bytes(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?$/.exec(q);
  if (!m) throw new Error(`not a quantity: ${q}`);
  const unit: Record<string, number> = {
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    K: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
  };
  return Number(m[1]) * (m[2] ? unit[m[2]]! : 1);
}

/** The value after an option in an argument list. */
function after(args: readonly string[], option: string): string {
  const i = args.indexOf(option);
  expect(i, `${option} in ${args.join(' ')}`).toBeGreaterThanOrEqual(0);
  return args[i + 1]!;
}

/** Peak of one product at the resolution these files run (20 m), one job per worker. */
const PEAK_20M = SCENE_PEAK_BYTES[20];

type Obj = Record<string, unknown>;
const get = (o: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v as Obj | undefined)?.[k], o);

describe('Kubernetes', () => {
  it('the Indexed Job: N pods, --shard auto/N, a shared volume, memory for one product, not root', () => {
    const docs = yaml.loadAll(read('kubernetes/indexed-job.yaml'));
    expect(docs).toHaveLength(1);
    const job = docs[0] as Obj;
    expect(job).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job' });
    const spec = job.spec as Obj;
    expect(spec.completionMode).toBe('Indexed');
    const n = spec.completions as number;
    expect(spec.parallelism).toBe(n);
    expect(get(spec, 'template.spec.restartPolicy')).toBe('Never');
    expect(get(spec, 'template.spec.securityContext.runAsNonRoot')).toBe(true);
    const c = (get(spec, 'template.spec.containers') as Obj[])[0]!;
    const args = c.args as string[];
    expect(args[0]).toBe('batch');
    // The shard count the CLI will use is the Job's completions.
    expect(after(args, '--shard')).toBe(`auto/${n}`);
    expect(parseShard(after(args, '--shard'), { JOB_COMPLETION_INDEX: String(n - 1) })).toMatchObject({
      index: n - 1,
      count: n,
    });
    expect(after(args, '--resolution')).toBe('20');
    expect(after(args, '--jobs')).toBe('1');
    expect(bytes(get(c, 'resources.requests.memory') as string)).toBeGreaterThanOrEqual(PEAK_20M);
    expect(bytes(get(c, 'resources.limits.memory') as string)).toBeGreaterThanOrEqual(
      bytes(get(c, 'resources.requests.memory') as string),
    );
    const mount = (c.volumeMounts as Obj[])[0]!;
    expect(after(args, '--out').startsWith(`${mount.mountPath as string}/`)).toBe(true);
    expect(args[1]!.startsWith(`${mount.mountPath as string}/`)).toBe(true);
    const volume = (get(spec, 'template.spec.volumes') as Obj[]).find((v) => v.name === mount.name)!;
    const claim = get(volume, 'persistentVolumeClaim.claimName');
    const pvc = yaml.load(read('kubernetes/pvc.yaml')) as Obj;
    expect(pvc).toMatchObject({ kind: 'PersistentVolumeClaim', metadata: { name: claim } });
    expect(get(pvc, 'spec.accessModes')).toContain('ReadWriteMany');

    const report = yaml.load(read('kubernetes/report-job.yaml')) as Obj;
    const rc = (get(report, 'spec.template.spec.containers') as Obj[])[0]!;
    expect(rc.args).toEqual(['batch', 'report', after(args, '--out')]);
    expect(get(report, 'spec.template.spec.volumes')).toEqual(get(spec, 'template.spec.volumes'));

    const k = yaml.load(read('kubernetes/kustomization.yaml')) as Obj;
    expect(k.kind).toBe('Kustomization');
    for (const r of k.resources as string[]) expect(existsSync(join(DEPLOY, 'kubernetes', r)), r).toBe(true);
    expect((k.images as Obj[])[0]!.name).toBe((c.image as string).split(':')[0]);
  });

  it('the Argo Workflow: a step per shard with K/N, retried, then the report', () => {
    const wf = yaml.load(read('argo/workflow.yaml')) as Obj;
    expect(wf).toMatchObject({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow' });
    const templates = get(wf, 'spec.templates') as Obj[];
    const byName = new Map(templates.map((t) => [t.name as string, t]));
    const season = byName.get(get(wf, 'spec.entrypoint') as string)!;
    const steps = season.steps as Obj[][];
    expect(steps.map((group) => group[0]!.template)).toEqual(['shard', 'report']);
    expect(get(steps[0]![0], 'withSequence.count')).toBe('{{workflow.parameters.shards}}');
    const shard = byName.get('shard')!;
    const args = get(shard, 'container.args') as string[];
    expect(after(args, '--shard')).toBe('{{inputs.parameters.index}}/{{workflow.parameters.shards}}');
    expect(Number(get(shard, 'retryStrategy.limit'))).toBeGreaterThanOrEqual(1);
    expect(bytes(get(shard, 'container.resources.requests.memory') as string)).toBeGreaterThanOrEqual(
      PEAK_20M,
    );
    expect(get(byName.get('report'), 'container.args')).toEqual(['batch', 'report', after(args, '--out')]);
  });
});

describe('AWS Batch', () => {
  it('the job definition runs --shard auto on the mounted folder, retried, with memory for one product', () => {
    const def = JSON.parse(read('aws-batch/job-definition.json')) as Obj;
    expect(def.type).toBe('container');
    const cp = def.containerProperties as Obj;
    const cmd = cp.command as string[];
    expect(cmd[0]).toBe('batch');
    expect(after(cmd, '--shard')).toBe('auto');
    expect(
      parseShard('auto', { AWS_BATCH_JOB_ARRAY_INDEX: '3', AWS_BATCH_JOB_ARRAY_SIZE: '8' }),
    ).toMatchObject({
      index: 3,
      count: 8,
    });
    const mem = (cp.resourceRequirements as Obj[]).find((r) => r.type === 'MEMORY')!;
    expect(Number(mem.value) * 2 ** 20).toBeGreaterThanOrEqual(PEAK_20M); // MiB
    const mount = (cp.mountPoints as Obj[])[0]!;
    expect((cp.volumes as Obj[]).some((v) => v.name === mount.sourceVolume)).toBe(true);
    expect(after(cmd, '--out').startsWith(`${mount.containerPath as string}/`)).toBe(true);
    expect(get(def, 'retryStrategy.attempts') as number).toBeGreaterThanOrEqual(2);
    // A usage error is not retried.
    expect(get(def, 'retryStrategy.evaluateOnExit')).toContainEqual({ onExitCode: '2', action: 'EXIT' });
    expect(cp.user).not.toMatch(/^(root|0)(:|$)/);

    const array = JSON.parse(read('aws-batch/submit-array.json')) as Obj;
    expect(array.jobDefinition).toBe(def.jobDefinitionName);
    const size = get(array, 'arrayProperties.size') as number;
    expect(size).toBeGreaterThanOrEqual(2); // AWS Batch arrays hold 2 to 10,000 children
    expect(size).toBeLessThanOrEqual(10_000);

    const report = JSON.parse(read('aws-batch/submit-report.json')) as Obj;
    expect(report.jobDefinition).toBe(def.jobDefinitionName);
    expect(get(report, 'containerOverrides.command')).toEqual(['batch', 'report', after(cmd, '--out')]);
    expect(report.dependsOn).toEqual([{ jobId: 'ARRAY_JOB_ID' }]);
    const submit = read('aws-batch/submit.sh');
    expect(submit).toMatch(/sed "s\/ARRAY_JOB_ID\/\$\{array_id\}\/"/);
  });
});

describe('Slurm', () => {
  it('the sbatch script: one --array range, --shard auto, memory for one product; the report after it', () => {
    const script = read('slurm/s2cloud-array.sbatch');
    const sbatch = new Map(
      [...script.matchAll(/^#SBATCH --([a-z-]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!.trim()] as const),
    );
    const range = /^(\d+)-(\d+)(?:%\d+)?$/.exec(sbatch.get('array')!)!;
    expect(range).not.toBeNull();
    const count = Number(range[2]) - Number(range[1]) + 1;
    expect(
      parseShard('auto', {
        SLURM_ARRAY_TASK_ID: range[2]!,
        SLURM_ARRAY_TASK_COUNT: String(count),
        SLURM_ARRAY_TASK_MIN: range[1]!,
        SLURM_ARRAY_TASK_MAX: range[2]!,
      }),
    ).toMatchObject({ index: count - 1, count });
    expect(bytes(sbatch.get('mem')!)).toBeGreaterThanOrEqual(PEAK_20M);
    expect(Number(sbatch.get('cpus-per-task'))).toBeGreaterThanOrEqual(2);
    expect(sbatch.has('requeue') || /^#SBATCH --requeue$/m.test(script)).toBe(true);
    // Run it with a stand-in srun and `echo` as s2cloud: the command each task would run.
    const stub = mkdtempSync(join(tmpdir(), 's2-srun-'));
    writeFileSync(join(stub, 'srun'), '#!/bin/sh\nexec "$@"\n', { mode: 0o755 });
    const task = (env: NodeJS.ProcessEnv): string[] =>
      execFileSync('bash', [join(DEPLOY, 'slurm/s2cloud-array.sbatch'), '/s/season.txt', '/s/out'], {
        env: { PATH: `${stub}:${process.env.PATH ?? ''}`, S2CLOUD: 'echo', ...env },
        encoding: 'utf8',
      })
        .trim()
        .split(' ');
    // submit.sh passes S2CLOUD_SHARDS: task 3 of 8 (also when resubmitted alone).
    const explicit = task({ SLURM_ARRAY_TASK_ID: '3', S2CLOUD_SHARDS: String(count) });
    expect(explicit.slice(0, 4)).toEqual(['batch', '/s/season.txt', '--out', '/s/out']);
    expect(after(explicit, '--shard')).toBe(`3/${count}`);
    expect(after(task({ SLURM_ARRAY_TASK_ID: '3' }), '--shard')).toBe('auto');
    expect(after(explicit, '--resolution')).toBe('20');
    rmSync(stub, { recursive: true, force: true });
    const submit = read('slurm/submit.sh');
    expect(submit).toMatch(/--dependency="afterany:\$\{array_id\}"/);
    expect(submit).toMatch(/S2CLOUD_SHARDS="\$shards" sbatch --parsable --array="0-\$\(\(shards - 1\)\)"/);
    expect(submit).toMatch(/batch report/);
    // Shell syntax of all three scripts.
    for (const f of ['slurm/s2cloud-array.sbatch', 'slurm/submit.sh', 'aws-batch/submit.sh'])
      execFileSync('bash', ['-n', join(DEPLOY, f)]);
  });
});

describe('the container image', () => {
  const docker = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const lines = docker.split('\n').filter((l) => !l.trim().startsWith('#'));
  const stages = lines
    .join('\n')
    .split(/^FROM /m)
    .slice(1);

  it('builds on Node LTS slim in two stages, the native addon in the build stage', () => {
    expect(stages).toHaveLength(2);
    for (const s of stages) expect(s).toMatch(/^node:\$\{NODE_VERSION\}-slim/);
    const lts = /^ARG NODE_VERSION=(\d+)$/m.exec(docker)!;
    expect(Number(lts[1]) % 2).toBe(0); // even majors are the LTS lines
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
    expect(pkg.engines.node).toMatch(new RegExp(`>=\\s*(2[2-9]|${lts[1]})|\\^${lts[1]}`));
    const [build, runtime] = stages as [string, string];
    expect(build).toMatch(/libopenjp2-7-dev/);
    expect(build).toMatch(/ELECTRON_SKIP_BINARY_DOWNLOAD=1/);
    expect(build).toMatch(/test -f native\/openjp2\/build\/Release\/openjp2\.node/);
    expect(build).toMatch(/npm prune --omit=dev/);
    expect(runtime).toMatch(/COPY --from=build \/app\/native\/openjp2\/build\/Release\/openjp2\.node/);
    expect(runtime).toMatch(/libopenjp2-7 /);
  });

  it('runs the CLI only (no Electron), with the default model, as a user that is not root', () => {
    const runtime = stages[1]!;
    // Nothing installed there; `electron` only as the name of the compiled sources' folder.
    expect(runtime).not.toMatch(/npm (ci|install)/);
    expect(runtime.replaceAll('dist/electron', '')).not.toMatch(/electron/i);
    expect(runtime).toMatch(/COPY native-models native-models/);
    expect(existsSync(join(ROOT, 'native-models/dl-l8s2-uv-6b/dl-l8s2-uv-6b.onnx'))).toBe(true);
    const user = /^USER (\S+)$/m.exec(runtime)![1]!;
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    const entry = JSON.parse(/^ENTRYPOINT (.*)$/m.exec(runtime)![1]!) as string[];
    expect(entry.at(-1)).toBe('s2cloud');
    expect(runtime).toMatch(/ln -s \/app\/bin\/s2cloud\.js \/usr\/local\/bin\/s2cloud/);
    // Every COPY source exists and is not left out by .dockerignore.
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const m of lines.join('\n').matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const src of m[1]!.split(/\s+/)) {
        expect(existsSync(join(ROOT, src)), src).toBe(true);
        expect(
          ignore.some((p) => src === p || src.startsWith(`${p}/`)),
          `${src} is ignored`,
        ).toBe(false);
      }
    }
    for (const p of ['node_modules', '.git', '.data', 'dist', 'native/openjp2/build'])
      expect(ignore).toContain(p);
  });
});
