/**
 * `npm run eval-reid`: CMC rank-1/5/10 and mAP of a trained AlignedReID model on the synthetic test split,
 * for the global, unaligned local, aligned local and fused distances, each with and without k-reciprocal
 * re-ranking; writes JSON, prints a markdown table, and records the figures in the model card.
 *
 *   npm run eval-reid -- --model public/models/reid/aligned-reid-synthetic.safetensors
 *   npm run eval-reid -- --model ... --well-framed     (also on the same test images without box misalignment)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { embedImages, type ReidFeatures } from '../src/core/reid/embed';
import { evaluateModes, type ModeResult, modeTable } from '../src/core/reid/evaluate-modes';
import type { ReidModel } from '../src/core/reid/model';
import { loadReidModel } from '../src/core/reid/model-io';
import {
  buildSplit,
  DEFAULT_SPLIT,
  type ReidSplit,
  type ReidSplitConfig,
  renderSamples,
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
  const labels = (samples: ReidSplit['query']) => ({
    pids: samples.map((s) => s.pid),
    camIds: samples.map((s) => s.camId),
  });
  const t0 = performance.now();
  return evaluateModes(f.query, f.gallery, labels(split.query), labels(split.gallery), {
    rerank: !a['no-rerank'],
    normalizeGlobal: a['normalize-global'],
    onStage: (stage) => console.error(`  [${seconds(t0)} s] ${stage}`),
  });
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
  results.misaligned = await evaluate(split, await features(model, split));
  console.log(
    `\nTest set as generated (misalignment ${split.config.misalignment}):\n\n${modeTable(results.misaligned)}\n`,
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
