/**
 * Writes LightGBM text models in the format `Booster.save_model()` produces (header, Tree=N
 * blocks, end of trees, feature importances, parameters), for tests and benches: the real
 * s2cloudless model cannot be fetched here.
 */

export interface TestTree {
  /** Internal nodes (num_leaves - 1 of them). Empty for a single-leaf tree. */
  splitFeature: number[];
  threshold: number[];
  decisionType: number[];
  leftChild: number[];
  rightChild: number[];
  leafValue: number[];
  /** Optional categorical block (makes num_cat > 0). */
  numCat?: number;
}

export interface TestModel {
  numFeatures: number;
  trees: TestTree[];
  /** Default "binary sigmoid:1". */
  objective?: string;
  featureNames?: string[];
}

/** decision_type for a numerical split: default direction and missing type (0 None, 1 Zero, 2 NaN). */
export function decisionType(defaultLeft: boolean, missing: 0 | 1 | 2): number {
  return (defaultLeft ? 2 : 0) | (missing << 2);
}

const fmt = (x: number): string =>
  Number.isInteger(x) ? String(x) : x.toPrecision(17).replace(/\.?0+(e|$)/, '$1');

export function modelText(m: TestModel): string {
  const names = m.featureNames ?? Array.from({ length: m.numFeatures }, (_, i) => `Column_${i}`);
  const blocks = m.trees.map((t, k) => {
    const n = t.leafValue.length;
    const lines = [`Tree=${k}`, `num_leaves=${n}`, `num_cat=${t.numCat ?? 0}`];
    if (n > 1) {
      lines.push(
        `split_feature=${t.splitFeature.join(' ')}`,
        `split_gain=${t.splitFeature.map(() => '1').join(' ')}`,
        `threshold=${t.threshold.map(fmt).join(' ')}`,
        `decision_type=${t.decisionType.join(' ')}`,
        `left_child=${t.leftChild.join(' ')}`,
        `right_child=${t.rightChild.join(' ')}`,
      );
    }
    lines.push(`leaf_value=${t.leafValue.map(fmt).join(' ')}`);
    if (n > 1) {
      lines.push(
        `leaf_weight=${t.leafValue.map(() => '1').join(' ')}`,
        `leaf_count=${t.leafValue.map(() => '10').join(' ')}`,
        `internal_value=${t.splitFeature.map(() => '0').join(' ')}`,
        `internal_weight=${t.splitFeature.map(() => '1').join(' ')}`,
        `internal_count=${t.splitFeature.map(() => '20').join(' ')}`,
      );
    }
    if (t.numCat) lines.push('cat_boundaries=0 1', 'cat_threshold=6');
    lines.push('is_linear=0', 'shrinkage=0.1', '', '');
    return lines.join('\n');
  });
  return [
    'tree',
    'version=v3',
    'num_class=1',
    'num_tree_per_iteration=1',
    'label_index=0',
    `max_feature_idx=${m.numFeatures - 1}`,
    `objective=${m.objective ?? 'binary sigmoid:1'}`,
    `feature_names=${names.join(' ')}`,
    `feature_infos=${names.map(() => '[0:1]').join(' ')}`,
    `tree_sizes=${blocks.map((b) => b.length).join(' ')}`,
    '',
    ...blocks,
    'end of trees',
    '',
    'feature_importances:',
    `${names[0]}=1`,
    '',
    'parameters:',
    '[boosting: gbdt]',
    'end of parameters',
    '',
    'pandas_categorical:null',
    '',
  ].join('\n');
}

/** The shadow tests' deterministic PRNG (mulberry32), so generated models are the same on every run. */
export { rng } from '../unit/masks/shadow/synthetic.js';

/**
 * A random tree grown leaf-wise as LightGBM grows them: splitting leaf l makes node j whose left
 * child is leaf l and right child the new leaf. Thresholds are drawn from `thresholds(feature)`.
 */
export function randomTree(
  leaves: number,
  numFeatures: number,
  random: () => number,
  opts: {
    thresholds?: (f: number) => number;
    decision?: () => number;
    features?: readonly number[];
  } = {},
): TestTree {
  const t: TestTree = {
    splitFeature: [],
    threshold: [],
    decisionType: [],
    leftChild: [],
    rightChild: [],
    leafValue: [0],
  };
  // Where each leaf hangs: [node, side] (side 0 left, 1 right); the root leaf hangs nowhere.
  const parent: ([number, 0 | 1] | null)[] = [null];
  for (let j = 0; j < leaves - 1; j++) {
    const leaf = Math.floor(random() * t.leafValue.length);
    const newLeaf = t.leafValue.length;
    const feats = opts.features ?? Array.from({ length: numFeatures }, (_, i) => i);
    const f = feats[Math.floor(random() * feats.length)]!;
    t.splitFeature.push(f);
    t.threshold.push(opts.thresholds ? opts.thresholds(f) : random());
    t.decisionType.push(opts.decision ? opts.decision() : decisionType(random() < 0.5, 0));
    t.leftChild.push(~leaf);
    t.rightChild.push(~newLeaf);
    const p = parent[leaf];
    if (p) (p[1] === 0 ? t.leftChild : t.rightChild)[p[0]] = j;
    parent[leaf] = [j, 0];
    parent.push([j, 1]);
    t.leafValue.push(0);
  }
  t.leafValue = t.leafValue.map(() => (random() - 0.5) * 0.4);
  return t;
}
