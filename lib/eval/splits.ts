/**
 * The evaluation split as code: train on the normal records of a training file (exact
 * duplicates removed), hold out a seeded share of those normals for choosing thresholds, and
 * test on labelled files with binary labels, attack categories and a "novel attack" flag
 * (an attack type that never occurs in the training file).
 */
import { OptionError } from "../core/errors";
import { type Rng, seeded, shuffleInPlace } from "../core/random";
import { distinctRows, findDuplicates } from "../datasets/clean";
import {
  ATTACK_CATEGORIES,
  type AttackCategory,
  attackCategory,
  LABEL_COLUMN,
  NORMAL_LABEL,
} from "../datasets/kdd99";
import type { Table } from "../datasets/table";

/** Per-row labels of a labelled table. */
export interface RowLabels {
  /** 1 = attack, 0 = normal. */
  readonly y: Uint8Array;
  /** Index into `ATTACK_CATEGORIES` (0 = normal). */
  readonly category: Uint8Array;
  /** 1 where the row is an attack whose type never occurs in the training file. */
  readonly novel: Uint8Array;
}

/** A labelled test set. */
export interface TestSet extends RowLabels {
  readonly name: string;
  readonly table: Table;
  /** Rows per category, e.g. `{ normal: 60593, DoS: 229853, ... }`. */
  readonly categoryCounts: Readonly<Record<AttackCategory, number>>;
  /** Attack rows of a type unseen in training. */
  readonly novelRows: number;
}

export interface SplitOptions {
  /** Seed for the train / validation split. */
  seed: number;
  /** Share of the (distinct) training normals held out for thresholds. Default 0.2. */
  validationFraction?: number;
  /** Remove exact duplicates from the training normals first. Default true. */
  dedupe?: boolean;
  /** Cap on training rows after the split (quick mode); validation keeps its share. Default: no cap. */
  maxTrainRows?: number;
}

/** Everything a detector needs for one train -> test comparison. */
export interface Split {
  readonly train: { readonly table: Table; readonly rows: Int32Array };
  readonly validation: { readonly table: Table; readonly rows: Int32Array };
  /** Attack types present anywhere in the training file (to flag novel attacks in tests). */
  readonly trainAttackTypes: readonly string[];
  readonly tests: readonly TestSet[];
  /** Counts for the report: what was removed, what was kept. */
  readonly summary: {
    readonly trainFileRows: number;
    readonly trainNormalRows: number;
    readonly trainNormalDuplicates: number;
    readonly trainRows: number;
    readonly validationRows: number;
    readonly seed: number;
  };
}

/**
 * Labels of every row: binary, category and novelty with respect to `trainAttackTypes`.
 * @throws SchemaError for a label outside the attack map.
 */
export function rowLabels(table: Table, trainAttackTypes: ReadonlySet<string>): RowLabels {
  const label = table.symbolic(LABEL_COLUMN);
  const categoryOf = label.dictionary.map((name) => ATTACK_CATEGORIES.indexOf(attackCategory(name)));
  const novelOf = label.dictionary.map((name) =>
    name !== NORMAL_LABEL && !trainAttackTypes.has(name) ? 1 : 0,
  );
  const n = table.rows;
  const y = new Uint8Array(n);
  const category = new Uint8Array(n);
  const novel = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const code = label.codes[i];
    category[i] = categoryOf[code];
    y[i] = categoryOf[code] === 0 ? 0 : 1;
    novel[i] = novelOf[code];
  }
  return { y, category, novel };
}

/** Attack types that occur in a table (normal excluded), sorted. */
export function attackTypes(table: Table): string[] {
  const label = table.symbolic(LABEL_COLUMN);
  const seen = new Uint8Array(label.dictionary.length);
  for (let i = 0; i < label.codes.length; i++) seen[label.codes[i]] = 1;
  return label.dictionary.filter((name, code) => seen[code] && name !== NORMAL_LABEL).sort();
}

/**
 * Builds the split: training normals (deduplicated), a seeded validation split of them, and
 * labelled test sets.
 * @example
 * const p = kddSplit(kdd10, { corrected }, { seed: 42 });
 * p.summary.trainRows + p.summary.validationRows // 87,832 distinct normals in the 10% file
 */
export function kddSplit(train: Table, tests: Readonly<Record<string, Table>>, options: SplitOptions): Split {
  const validationFraction = options.validationFraction ?? 0.2;
  if (!(validationFraction > 0 && validationFraction < 1)) {
    throw new OptionError(`kddSplit: validationFraction must be in (0, 1), got ${validationFraction}.`);
  }
  const label = train.symbolic(LABEL_COLUMN);
  const normalCode = label.dictionary.indexOf(NORMAL_LABEL);
  let normals = train.where((i) => label.codes[i] === normalCode);
  const trainNormalRows = normals.length;
  let duplicates = 0;
  if (options.dedupe ?? true) {
    const normalTable = train.take(normals);
    const report = findDuplicates(normalTable);
    duplicates = report.duplicates;
    const keep = distinctRows(report);
    normals = Int32Array.from(keep, (k) => normals[k]);
  }
  const rng: Rng = seeded(options.seed);
  const shuffled = shuffleInPlace(normals.slice(), rng);
  const nValidation = Math.round(shuffled.length * validationFraction);
  const validationRows = shuffled.slice(0, nValidation).sort();
  let trainRows = shuffled.slice(nValidation);
  if (options.maxTrainRows !== undefined && trainRows.length > options.maxTrainRows) {
    trainRows = trainRows.slice(0, options.maxTrainRows);
  }
  trainRows.sort();
  const trainAttackTypes = attackTypes(train);
  const known = new Set(trainAttackTypes);
  const testSets = Object.entries(tests).map(([name, table]): TestSet => {
    const labels = rowLabels(table, known);
    const categoryCounts = Object.fromEntries(ATTACK_CATEGORIES.map((c) => [c, 0])) as Record<
      AttackCategory,
      number
    >;
    let novelRows = 0;
    for (let i = 0; i < table.rows; i++) {
      categoryCounts[ATTACK_CATEGORIES[labels.category[i]]]++;
      novelRows += labels.novel[i];
    }
    return { name, table, ...labels, categoryCounts, novelRows };
  });
  return {
    train: { table: train, rows: trainRows },
    validation: { table: train, rows: validationRows },
    trainAttackTypes,
    tests: testSets,
    summary: {
      trainFileRows: train.rows,
      trainNormalRows,
      trainNormalDuplicates: duplicates,
      trainRows: trainRows.length,
      validationRows: validationRows.length,
      seed: options.seed,
    },
  };
}
