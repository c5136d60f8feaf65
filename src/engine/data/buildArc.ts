// ARC builder mirroring the official (TRM) dataset/build_arc_dataset.py: per subset the tasks are
// shuffled; tasks of the test subsets send their test pairs to the test split (and are saved in
// test_puzzles.json), everything else goes to train; each task gets up to `numAug` distinct variants
// (dihedral + colour permutation, duplicates rejected, 5 x numAug attempts); identifiers are
// assigned in order of first appearance (train first); train examples are translated on the canvas
// except one random example per puzzle. NumPy's legacy RNG is drawn in the same order, so a build
// with the same inputs and seed reproduces upstream's files byte for byte.

import { ARC_CANVAS, Grid, encodeArcGrid } from '../tasks/arc';
import { ArcVariant, applyArcVariant, randomArcVariant, variantName } from './augment';
import { BuiltDataset, BuiltSplit, SetBuilder, metadataFor } from './built';
import { NumpyRandomState } from './numpyRandom';
import { ArcTask, taskToJson } from './rawArc';

export interface ArcSubset {
  name: string;
  /** Tasks in file order (the shuffle depends on it). */
  tasks: ArcTask[];
}

export interface ArcBuildOptions {
  /** Subsets whose test pairs form the test split (official: test_set_name and test_set_name2 = "evaluation2"). */
  testSets: string[];
  numAug: number;
  seed: number;
  /** First identifier (1; 0 is <blank>). */
  identifiersStart?: number;
}

type Pair = [Grid, Grid];
interface Puzzle {
  id: string;
  examples: Pair[];
}
type Dest = 'train' | 'test';

const RETRIES_FACTOR = 5;

/** Order-independent key of a variant's examples (the official puzzle_hash compares sorted pair hashes). */
function puzzleKey(byDest: Map<Dest, Puzzle>): string {
  const keys: string[] = [];
  for (const p of byDest.values()) {
    for (const [i, o] of p.examples) keys.push(`${gridKey(i)}|${gridKey(o)}`);
  }
  return keys.sort().join('/');
}

function gridKey(g: Grid): string {
  return `${g.length}x${g[0].length}:${g.map((r) => r.join('')).join(',')}`;
}

export function buildArcDataset(subsets: ArcSubset[], o: ArcBuildOptions): BuiltDataset {
  if (!Number.isInteger(o.numAug) || o.numAug < 0) throw new Error(`numAug must be an integer >= 0 (got ${o.numAug})`);
  const rng = new NumpyRandomState(o.seed);
  const data = new Map<Dest, Puzzle[][]>([
    ['train', []],
    ['test', []],
  ]);
  const testPuzzles: Record<string, unknown> = {};
  const seen = new Set<string>();

  for (const subset of subsets) {
    const order = rng.shuffle(subset.tasks.slice());
    const testDest: Dest = o.testSets.includes(subset.name) ? 'test' : 'train';
    for (const task of order) {
      if (seen.has(task.name))
        throw new Error(
          `task ${JSON.stringify(task.name)} appears twice (subset ${subset.name}); task names must be unique`,
        );
      seen.add(task.name);
      // Missing test outputs are filled with a dummy [[0]], as upstream does.
      const filled: ArcTask = { ...task, test: task.test.map((p) => ({ input: p.input, output: p.output ?? [[0]] })) };
      if (testDest === 'test') testPuzzles[task.name] = taskToJson(filled);
      const destOf = (k: 'train' | 'test'): Dest => (k === 'train' ? 'train' : testDest);
      const converted = new Map<Dest, Puzzle>();
      for (const d of new Set<Dest>(['train', testDest])) converted.set(d, { id: task.name, examples: [] });
      const keyOrder = filled.keyOrder.length === 2 ? filled.keyOrder : (['train', 'test'] as const);
      for (const k of keyOrder) {
        for (const p of filled[k]) converted.get(destOf(k))?.examples.push([p.input, p.output as Grid]);
      }
      const group = [converted];
      if (o.numAug > 0) {
        const hashes = new Set([puzzleKey(converted)]);
        for (let trial = 0; trial < RETRIES_FACTOR * o.numAug; trial++) {
          const v: ArcVariant = randomArcVariant(task.name, rng);
          const name = variantName(v);
          const augmented = new Map<Dest, Puzzle>();
          for (const [d, p] of converted) {
            augmented.set(d, {
              id: name,
              examples: p.examples.map(([i, out]) => [applyArcVariant(i, v), applyArcVariant(out, v)] as Pair),
            });
          }
          const h = puzzleKey(augmented);
          if (!hashes.has(h)) {
            hashes.add(h);
            group.push(augmented);
          }
          if (group.length >= o.numAug + 1) break;
        }
      }
      for (const d of converted.keys()) data.get(d)?.push(group.map((g) => g.get(d) as Puzzle));
    }
  }

  // Identifiers in order of first appearance, train split first.
  let next = o.identifiersStart ?? 1;
  const idMap = new Map<string, number>();
  for (const groups of data.values())
    for (const g of groups) for (const p of g) if (!idMap.has(p.id)) idMap.set(p.id, next++);
  const identifiers = Array.from({ length: next }, () => '<blank>');
  for (const [name, id] of idMap) identifiers[id] = name;

  const ds: BuiltDataset = { identifiers, testPuzzles, splits: {} };
  for (const [split, groups] of data) {
    if (!groups.length) continue;
    ds.splits[split] = encodeSplit(groups, split === 'train', idMap, next, rng);
  }
  return ds;
}

function encodeSplit(
  groups: Puzzle[][],
  translate: boolean,
  idMap: Map<string, number>,
  numIds: number,
  rng: NumpyRandomState,
): BuiltSplit {
  const b = new SetBuilder(ARC_CANVAS * ARC_CANVAS);
  for (const g of groups) {
    for (const p of g) {
      if (!p.examples.length) throw new Error(`task variant ${JSON.stringify(p.id)} has no examples for this split`);
      const noAug = rng.randint(0, p.examples.length);
      b.addPuzzle(
        idMap.get(p.id) as number,
        p.examples.map(([i, out], k) => {
          let r0 = 0;
          let c0 = 0;
          if (translate && k !== noAug) {
            r0 = rng.randint(0, ARC_CANVAS - Math.max(i.length, out.length) + 1);
            c0 = rng.randint(0, ARC_CANVAS - Math.max(i[0].length, out[0].length) + 1);
          }
          return { input: encodeArcGrid(i, r0, c0), label: encodeArcGrid(out, r0, c0) };
        }),
      );
    }
    b.endGroup();
  }
  const set = b.build('all');
  return { meta: metadataFor(set, { vocabSize: 12, numPuzzleIdentifiers: numIds }), sets: [set] };
}
