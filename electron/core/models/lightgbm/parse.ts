/**
 * Reads LightGBM's text model format (what `Booster.save_model()` writes and what the s2cloudless
 * package ships): a header of `key=value` lines, `Tree=N` blocks of space-separated arrays, then
 * `end of trees` (feature importances and parameters after it are ignored).
 */
import { open, readFile, stat } from 'node:fs/promises';
import { S2Error } from '../../errors.js';
import { DECISION_CATEGORICAL, DECISION_DEFAULT_LEFT, MISSING_NAN, type LightgbmModel } from './model.js';

/** The model files people have are a few MB; anything far larger is not one. */
const MAX_MODEL_BYTES = 512 * 2 ** 20;

interface TreeBlock {
  index: number;
  /** Line of `Tree=N` (1-based), for messages. */
  line: number;
  fields: Map<string, string>;
}

/** Whether a file starts as a LightGBM text model does (its first line is "tree"). */
export async function isLightgbmText(file: string): Promise<boolean> {
  const fh = await open(file, 'r').catch(() => null);
  if (!fh) return false;
  try {
    const buf = Buffer.alloc(8);
    const { bytesRead } = await fh.read(buf, 0, 8, 0);
    return /^tree\r?\n/.test(buf.subarray(0, bytesRead).toString('latin1'));
  } finally {
    await fh.close();
  }
}

/** Reads and parses a LightGBM text model file. */
export async function readLightgbmModel(file: string): Promise<LightgbmModel> {
  const s = await stat(file).catch(() => null);
  if (!s?.isFile()) throw new S2Error('NOT_FOUND', `${file}: no such model file.`, { file });
  if (s.size > MAX_MODEL_BYTES) {
    throw new S2Error('TOO_LARGE', `${file}: ${s.size} bytes is too large for a LightGBM text model.`, {
      file,
    });
  }
  return parseLightgbmModel(await readFile(file, 'utf8'), file);
}

/** Parses the text of a LightGBM model; `file` names it in errors. */
export function parseLightgbmModel(text: string, file: string): LightgbmModel {
  const bad = (what: string): S2Error =>
    new S2Error('BAD_MODEL', `${file}: not a usable LightGBM text model: ${what}.`, { file });
  const lines = text.split(/\r?\n/);
  let i = 0;
  while (i < lines.length && lines[i]!.trim() === '') i++;
  if (lines[i]?.trim() !== 'tree') throw bad('the first line must be "tree" (LightGBM text format)');
  i++;

  const header = new Map<string, string>();
  const flags = new Set<string>();
  for (; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line.startsWith('Tree=') || line === 'end of trees') break;
    if (line === '') continue;
    const eq = line.indexOf('=');
    if (eq < 0) flags.add(line);
    else header.set(line.slice(0, eq), line.slice(eq + 1));
  }

  const trees: TreeBlock[] = [];
  let ended = false;
  for (; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === 'end of trees') {
      ended = true;
      break;
    }
    if (line === '') continue;
    const eq = line.indexOf('=');
    if (eq < 0) throw bad(`line ${i + 1} ("${line.slice(0, 40)}") is not key=value`);
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === 'Tree') {
      trees.push({ index: Number(value), line: i + 1, fields: new Map() });
      continue;
    }
    const tree = trees.at(-1);
    if (!tree) throw bad(`line ${i + 1} comes before the first Tree= block`);
    tree.fields.set(key, value);
  }
  if (!ended) throw bad('no "end of trees" line (the file is cut short)');
  if (trees.length === 0) throw bad('it has no trees');

  const version = header.get('version') ?? '';
  const numClass = intField(header, 'num_class', 'the header', bad);
  if (numClass !== 1)
    throw bad(`num_class is ${numClass}; only single-output (binary or regression) models are supported`);
  const perIteration = header.has('num_tree_per_iteration')
    ? intField(header, 'num_tree_per_iteration', 'the header', bad)
    : 1;
  if (perIteration !== 1) throw bad(`num_tree_per_iteration is ${perIteration}, not 1`);
  const maxFeature = intField(header, 'max_feature_idx', 'the header', bad);
  if (maxFeature < 0) throw bad(`max_feature_idx is ${maxFeature}`);
  const numFeatures = maxFeature + 1;
  const objective = header.get('objective') ?? '';
  const featureNames = (header.get('feature_names') ?? '').split(' ').filter((s) => s.length > 0);
  if (featureNames.length > 0 && featureNames.length !== numFeatures)
    throw bad(`feature_names lists ${featureNames.length} names for ${numFeatures} features`);

  // Sizes first, so the flat arrays are allocated once.
  let nodes = 0;
  let leaves = 0;
  const numLeaves = trees.map((t, k) => {
    if (t.index !== k) throw bad(`line ${t.line}: Tree=${t.index} where Tree=${k} was expected`);
    const n = intField(t.fields, 'num_leaves', `Tree=${k}`, bad);
    if (n < 1) throw bad(`Tree=${k} has num_leaves=${n}`);
    nodes += n - 1;
    leaves += n;
    return n;
  });
  const model: LightgbmModel = {
    file,
    version,
    numFeatures,
    featureNames,
    objective,
    sigmoid: sigmoidOf(objective, bad),
    averageOutput: flags.has('average_output') || header.has('average_output'),
    numTrees: trees.length,
    treeNodeStart: new Int32Array(trees.length),
    treeNodeCount: new Int32Array(trees.length),
    treeLeafStart: new Int32Array(trees.length),
    splitFeature: new Int32Array(nodes),
    threshold: new Float64Array(nodes),
    missingType: new Uint8Array(nodes),
    defaultLeft: new Uint8Array(nodes),
    leftChild: new Int32Array(nodes),
    rightChild: new Int32Array(nodes),
    leafValue: new Float64Array(leaves),
  };

  let node0 = 0;
  let leaf0 = 0;
  trees.forEach((t, k) => {
    const where = `Tree=${k} (line ${t.line})`;
    const n = numLeaves[k]!;
    model.treeNodeStart[k] = node0;
    model.treeNodeCount[k] = n - 1;
    model.treeLeafStart[k] = leaf0;
    const numCat = t.fields.has('num_cat') ? intField(t.fields, 'num_cat', where, bad) : 0;
    if (numCat > 0)
      throw bad(`${where} has categorical splits (num_cat=${numCat}), which this evaluator does not support`);
    if ((t.fields.get('is_linear') ?? '0').trim() !== '0')
      throw bad(`${where} is a linear tree (is_linear=1), which this evaluator does not support`);
    const leafValue = numbers(t.fields, 'leaf_value', where, n, bad);
    model.leafValue.set(leafValue, leaf0);
    if (n > 1) {
      const feature = numbers(t.fields, 'split_feature', where, n - 1, bad);
      const threshold = numbers(t.fields, 'threshold', where, n - 1, bad);
      const decision = numbers(t.fields, 'decision_type', where, n - 1, bad);
      const left = numbers(t.fields, 'left_child', where, n - 1, bad);
      const right = numbers(t.fields, 'right_child', where, n - 1, bad);
      for (let j = 0; j < n - 1; j++) {
        const f = feature[j]!;
        if (!Number.isInteger(f) || f < 0 || f > maxFeature)
          throw bad(`${where}: split_feature ${f} is outside 0..${maxFeature} (max_feature_idx)`);
        const d = decision[j]!;
        if (!Number.isInteger(d) || d < 0 || d > 127)
          throw bad(`${where}: decision_type ${d} is not a flag byte`);
        if (d & DECISION_CATEGORICAL)
          throw bad(
            `${where}: node ${j} is a categorical split (decision_type ${d}), which this evaluator does not support`,
          );
        const missing = (d >> 2) & 3;
        if (missing > MISSING_NAN) throw bad(`${where}: node ${j} has an unknown missing type ${missing}`);
        for (const [name, c] of [
          ['left_child', left[j]!],
          ['right_child', right[j]!],
        ] as const) {
          // A child is a node 1..n-2 (the root is never a child) or a leaf ~0..~(n-1).
          const ok = Number.isInteger(c) && (c >= 0 ? c > 0 && c < n - 1 : ~c < n);
          if (!ok) throw bad(`${where}: ${name} ${c} of node ${j} is outside the tree`);
        }
        model.splitFeature[node0 + j] = f;
        model.threshold[node0 + j] = threshold[j]!;
        model.missingType[node0 + j] = missing;
        model.defaultLeft[node0 + j] = d & DECISION_DEFAULT_LEFT ? 1 : 0;
        model.leftChild[node0 + j] = left[j]!;
        model.rightChild[node0 + j] = right[j]!;
      }
      checkAcyclic(model, k, where, bad);
    }
    node0 += n - 1;
    leaf0 += n;
  });
  return model;
}

/** `binary sigmoid:1` -> 1; cross-entropy objectives use the logistic function too; others have none. */
function sigmoidOf(objective: string, bad: (what: string) => S2Error): number | null {
  const [name, ...params] = objective.split(' ');
  if (name === 'binary') {
    const p = params.find((x) => x.startsWith('sigmoid:'));
    const s = p === undefined ? 1 : Number(p.slice('sigmoid:'.length));
    if (!Number.isFinite(s) || s <= 0) throw bad(`objective "${objective}" has a bad sigmoid coefficient`);
    return s;
  }
  if (name === 'cross_entropy' || name === 'xentropy') return 1;
  return null;
}

function intField(
  fields: Map<string, string>,
  key: string,
  where: string,
  bad: (what: string) => S2Error,
): number {
  const v = fields.get(key);
  const n = v === undefined ? NaN : Number(v);
  if (!Number.isInteger(n))
    throw bad(v === undefined ? `${where} has no ${key}` : `${where}: ${key}=${v} is not an integer`);
  return n;
}

/** LightGBM writes non-finite numbers as inf / -inf / nan (C++ streams). */
function toNumber(s: string): number {
  const t = s.toLowerCase();
  if (t === 'inf' || t === '+inf' || t === 'infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  if (t === 'nan' || t === '-nan') return NaN;
  return s === '' ? NaN : Number(s);
}

function numbers(
  fields: Map<string, string>,
  key: string,
  where: string,
  count: number,
  bad: (what: string) => S2Error,
): number[] {
  const v = fields.get(key);
  if (v === undefined) throw bad(`${where} has no ${key}`);
  const out = v.trim().split(/\s+/).map(toNumber);
  if (out.length !== count) throw bad(`${where}: ${key} has ${out.length} values, expected ${count}`);
  const nan = out.findIndex((x) => Number.isNaN(x));
  if (nan >= 0 && key !== 'threshold') throw bad(`${where}: ${key} value ${nan} is not a number`);
  return out;
}

/** Every node is reached once from the root: no cycles, no shared children (a walk always ends). */
function checkAcyclic(model: LightgbmModel, k: number, where: string, bad: (what: string) => S2Error): void {
  const start = model.treeNodeStart[k]!;
  const count = model.treeNodeCount[k]!;
  const seen = new Uint8Array(count);
  const stack = [0];
  while (stack.length > 0) {
    const j = stack.pop()!;
    if (seen[j]) throw bad(`${where}: node ${j} is reached twice (the tree is not a tree)`);
    seen[j] = 1;
    for (const c of [model.leftChild[start + j]!, model.rightChild[start + j]!]) if (c >= 0) stack.push(c);
  }
  const lost = seen.indexOf(0);
  if (lost >= 0) throw bad(`${where}: node ${lost} is not reachable from the root`);
}
