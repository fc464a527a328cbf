/**
 * `npm run eval-reid`: CMC rank-1/5/10 and mAP of a trained AlignedReID model on the synthetic test split,
 * for the global, unaligned local, aligned local and fused distances, each with and without k-reciprocal
 * re-ranking; writes JSON, prints a markdown table, and records the figures in the model card.
 *
 *   npm run eval-reid -- --model public/models/reid/aligned-reid-synthetic.safetensors
 *   npm run eval-reid -- --model ... --well-framed     (also on the same test images without box misalignment)
 */
import './lib/relaxed-simd';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { embedImages, type ReidFeatures } from '../src/core/reid/embed';
import { evaluateRanking, type ReidLabels } from '../src/core/reid/evaluate';
import {
  DISTANCE_MODES,
  evaluateModes,
  type ModeResult,
  modeDistances,
  modeTable,
} from '../src/core/reid/evaluate-modes';
import type { ReidModel } from '../src/core/reid/model';
import { loadReidModel } from '../src/core/reid/model-io';
import {
  buildSplit,
  DEFAULT_SPLIT,
  headStripe,
  type ReidSplit,
  type ReidSplitConfig,
  renderSamples,
  sampleViewOf,
  splitCounts,
} from '../src/core/reid/split';
import { ADAM_PREFIXES } from '../src/core/reid/train';

const { values: a } = parseArgs({
  options: {
    model: { type: 'string', default: 'public/models/reid/aligned-reid-synthetic.safetensors' },
    out: { type: 'string' },
    card: { type: 'string' },
    'no-rerank': { type: 'boolean', default: false },
    'well-framed': { type: 'boolean', default: false },
    'normalize-global': { type: 'boolean', default: false },
    /** A smaller test split (60 identities) for a quick check of a checkpoint. */
    small: { type: 'boolean', default: false },
    backend: { type: 'string', default: 'wasm' },
    threads: { type: 'string', default: '2' },
  },
});

function fail(message: string): never {
  console.error(`eval-reid: ${message}`);
  process.exit(1);
}

const seconds = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);

async function features(
  model: ReidModel,
  split: ReidSplit,
): Promise<{ query: ReidFeatures; gallery: ReidFeatures }> {
  const t0 = performance.now();
  const q = renderSamples(split.config, split.query);
  const g = renderSamples(split.config, split.gallery);
  console.error(
    `rendered ${split.query.length} queries and ${split.gallery.length} gallery images in ${seconds(t0)} s`,
  );
  const t1 = performance.now();
  const query = await embedImages(model, q, split.query.length);
  const gallery = await embedImages(model, g, split.gallery.length);
  console.error(`features in ${seconds(t1)} s`);
  return { query, gallery };
}

function evaluate(
  split: ReidSplit,
  f: { query: ReidFeatures; gallery: ReidFeatures },
): Promise<ModeResult[]> {
  const t0 = performance.now();
  return evaluateModes(f.query, f.gallery, labelsOf(split.query), labelsOf(split.gallery), {
    rerank: !a['no-rerank'],
    normalizeGlobal: a['normalize-global'],
    onStage: (stage) => console.error(`  [${seconds(t0)} s] ${stage}`),
  });
}

const labelsOf = (samples: ReidSplit['query']): ReidLabels => ({
  pids: samples.map((s) => s.pid),
  camIds: samples.map((s) => s.camId),
});

interface BucketResult {
  bucket: string;
  queries: number;
  results: { mode: string; rank1: number; mAP: number }[];
}

/**
 * Rank-1 and mAP per distance for queries grouped by how misaligned their true matches are: the mean
 * |difference| of the head's position in the box between the query and its matches, in stripes.
 */
async function byMisalignment(
  split: ReidSplit,
  f: { query: ReidFeatures; gallery: ReidFeatures },
): Promise<BucketResult[]> {
  const distances = await modeDistances(f.query, f.gallery, {
    rerank: false,
    normalizeGlobal: a['normalize-global'],
  });
  const head = (samples: ReidSplit['query']) => samples.map((s) => headStripe(sampleViewOf(split.config, s)));
  const qHead = head(split.query);
  const gHead = head(split.gallery);
  const offset = split.query.map((q, i) => {
    const diffs = split.gallery.flatMap((g, j) =>
      g.pid === q.pid && g.camId !== q.camId ? [Math.abs(qHead[i] - gHead[j])] : [],
    );
    return diffs.reduce((t, d) => t + d, 0) / Math.max(1, diffs.length);
  });
  // Terciles: three groups of equal size, named by their range.
  const sorted = [...offset].sort((x, y) => x - y);
  const edges = [
    0,
    sorted[Math.floor(sorted.length / 3)],
    sorted[Math.floor((2 * sorted.length) / 3)],
    Number.POSITIVE_INFINITY,
  ];
  const ng = split.gallery.length;
  const gLabels = labelsOf(split.gallery);
  const out: BucketResult[] = [];
  for (let b = 0; b + 1 < edges.length; b++) {
    const rows = offset.flatMap((o, i) => (o >= edges[b] && o < edges[b + 1] ? [i] : []));
    if (rows.length === 0) continue;
    const qLabels = labelsOf(rows.map((i) => split.query[i]));
    const results = DISTANCE_MODES.map((mode) => {
      const qg = distances.get(mode)!.qg.data;
      const sub = new Float32Array(rows.length * ng);
      rows.forEach((i, r) => {
        sub.set(qg.subarray(i * ng, (i + 1) * ng), r * ng);
      });
      const e = evaluateRanking(sub, qLabels, gLabels);
      return { mode, rank1: e.rank1, mAP: e.mAP };
    });
    const name =
      edges[b + 1] === Number.POSITIVE_INFINITY
        ? `>= ${edges[b].toFixed(2)}`
        : `${edges[b].toFixed(2)}-${edges[b + 1].toFixed(2)}`;

    out.push({ bucket: name, queries: rows.length, results });
  }
  return out;
}

function bucketTable(buckets: readonly BucketResult[]): string {
  const pct = (x: number) => (100 * x).toFixed(1);
  const head = `| misalignment (stripes) | queries | ${DISTANCE_MODES.map((m) => `${m} R1 / mAP`).join(' | ')} |`;
  const rule = `|---|---|${DISTANCE_MODES.map(() => '---').join('|')}|`;
  const lines = buckets.map(
    (b) =>
      `| ${b.bucket} | ${b.queries} | ${b.results.map((r) => `${pct(r.rank1)} / ${pct(r.mAP)}`).join(' | ')} |`,
  );
  return [head, rule, ...lines].join('\n');
}

async function main(): Promise<void> {
  if (a.backend === 'wasm') setThreadsCount(Number(a.threads));
  if (!(await tf.setBackend(a.backend as string))) fail(`the ${a.backend} backend is not available here`);
  await tf.ready();
  const path = a.model as string;
  if (!existsSync(path)) fail(`no model at ${path}`);
  // A training checkpoint loads too: its Adam moments are skipped.
  const loaded = loadReidModel(new Uint8Array(readFileSync(path)), ADAM_PREFIXES);
  if (!loaded.ok) fail(loaded.error);
  const { model, file } = loaded.value;
  const stored: ReidSplitConfig = file.metadata.split_config
    ? JSON.parse(file.metadata.split_config)
    : DEFAULT_SPLIT;
  const splitConfig = a.small ? { ...stored, testIds: 60, distractorIds: 50, junkImages: 20 } : stored;
  const split = buildSplit(splitConfig);
  const counts = splitCounts(split);
  console.error(
    `test split: ${counts.query} queries, ${counts.gallery} gallery images (${counts.galleryDistractors} distractors, ${counts.galleryJunk} junk)`,
  );

  const t0 = performance.now();
  const results: Record<string, ModeResult[]> = {};
  const testFeatures = await features(model, split);
  results.misaligned = await evaluate(split, testFeatures);
  console.log(
    `\nTest set as generated (misalignment ${split.config.misalignment}):\n\n${modeTable(results.misaligned)}\n`,
  );
  const buckets = await byMisalignment(split, testFeatures);
  console.log(
    `\nBy the misalignment between a query and its true matches (no re-ranking):\n\n${bucketTable(buckets)}\n`,
  );
  if (a['well-framed']) {
    // The same identities, cameras, poses, occluders and backgrounds, with every box well framed.
    const framed = buildSplit({ ...splitConfig, misalignment: 0 });
    results.wellFramed = await evaluate(framed, await features(model, framed));
    console.log(
      `\nThe same test images, well framed (misalignment 0):\n\n${modeTable(results.wellFramed)}\n`,
    );
  }
  const evaluation = {
    model: path,
    backend: tf.getBackend(),
    split: counts,
    protocol:
      'Market-1501: same-id same-camera and junk (-1) gallery items ignored per query, distractors (0) kept; CMC first match; non-interpolated AP; re-ranking k1=20 k2=6 lambda=0.3; fused = global + 1.0 x local',
    normalizeGlobal: a['normalize-global'],
    seconds: Math.round((performance.now() - t0) / 1000),
    results,
    byMisalignment: buckets,
  };
  const out = a.out ?? path.replace(/\.safetensors$/, '.eval.json');
  writeFileSync(out, `${JSON.stringify(evaluation, null, 2)}\n`);
  console.error(`wrote ${out}`);
  const cardPath = a.card ?? path.replace(/\.safetensors$/, '.card.json');
  if (existsSync(cardPath)) {
    const card = JSON.parse(readFileSync(cardPath, 'utf8'));
    card.evaluation = evaluation;
    writeFileSync(cardPath, `${JSON.stringify(card, null, 2)}\n`);
    console.error(`recorded the figures in ${cardPath}`);
  }
  model.dispose();
}

await main();
