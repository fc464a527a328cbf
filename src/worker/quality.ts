/**
 * The Sampling panel's "Sample quality" job: draws N samples with the panel's sampler settings and scores
 * them with the shipped MNIST classifier, exactly as `npm run evaluate` does (the same core functions):
 * classifier-FID against the MNIST test split, the fraction classified with confidence ≥ 0.9, the class
 * histogram, and the train-vs-test floor. The classifier and the reference statistics are loaded on first
 * use and kept for the session. Framework-free apart from tfjs, with its inputs injected, so Node tests run
 * it as the worker does.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../core/data/dataset';
import { compileShaders } from '../core/diffusion/compile-shaders';
import type { Denoiser } from '../core/diffusion/denoiser';
import { type SamplerSpec, samplerPlan } from '../core/diffusion/samplers';
import { type ImageClassifier, loadClassifier } from '../core/eval/classifier';
import { imageBatch } from '../core/eval/classifier-train';
import type { GaussianFit } from '../core/eval/frechet';
import {
  CONFIDENT,
  drawSamples,
  readClassifier,
  referenceFit,
  type SampleQuality,
  sampleQuality,
} from '../core/eval/sample-quality';
import { throwIfCancelled } from '../core/job';
import type { ProgressCallback, QualityReport, QualityRequest } from './api';
import { countRefusal, qualityRefusal } from './quality-limits';

/** The shipped classifier, relative to the app's base URL (and to `public/`). */
export const SHIPPED_CLASSIFIER = 'models/mnist-classifier/model.safetensors';

/** At most this many of the scored samples come back as pixels. */
const PREVIEW_COUNT = 64;

/** A request the job refuses (wrong image shape, bad N): the message says what to change. */
export class QualityInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QualityInputError';
  }
}

/** Labelled real images: the test split is the FID reference, the train split gives the floor. */
export interface QualityReferenceData {
  dataset: ImageDataset;
  train: Int32Array;
  test: Int32Array;
}

export interface QualitySources {
  /** The classifier's safetensors bytes (fetched on first use). */
  classifier: (signal: AbortSignal, onProgress: ProgressCallback) => Promise<Uint8Array>;
  /** MNIST with its train/test split. */
  reference: (signal: AbortSignal, onProgress: ProgressCallback) => Promise<QualityReferenceData>;
}

interface Reference {
  fit: GaussianFit;
  floor: SampleQuality;
  name: string;
  testImages: number;
}

export function samplerSpec(request: Pick<QualityRequest, 'sampler' | 'steps' | 'eta'>): SamplerSpec {
  return request.sampler === 'ddim'
    ? { kind: 'ddim', steps: request.steps, eta: request.eta }
    : { kind: 'ddpm', steps: request.steps };
}

/** The `npm run evaluate` options that draw the same samples. */
export function cliOptions(request: QualityRequest, batch: number): string {
  const eta = request.sampler === 'ddim' ? ` --eta ${request.eta}` : '';
  return `--samples ${request.count} --batch ${batch} --sampler ${request.sampler} --steps ${request.steps}${eta} --seed ${request.seed}`;
}

export class QualityService {
  private classifier: ImageClassifier | null = null;
  private reference: Reference | null = null;
  private busy = false;

  constructor(private readonly sources: QualitySources) {}

  async run(
    model: Denoiser,
    modelName: string,
    request: QualityRequest,
    signal: AbortSignal,
    onProgress: ProgressCallback,
  ): Promise<QualityReport> {
    const refusal = qualityRefusal(model.imageShape) ?? countRefusal(request.count);
    if (refusal) throw new QualityInputError(refusal);
    if (this.busy) throw new Error('Sample quality is already being scored: wait for that run or cancel it.');
    this.busy = true;
    try {
      return await this.score(model, modelName, request, signal, onProgress);
    } finally {
      this.busy = false;
    }
  }

  /** Frees the classifier (the reference statistics are plain arrays). */
  dispose(): void {
    this.classifier?.dispose();
    this.classifier = null;
    this.reference = null;
  }

  private async score(
    model: Denoiser,
    modelName: string,
    request: QualityRequest,
    signal: AbortSignal,
    onProgress: ProgressCallback,
  ): Promise<QualityReport> {
    const clf = await this.loadClassifier(signal, onProgress);
    const [c, h, w] = model.imageShape;
    if (clf.config.imageShape.join() !== [c, h, w].join())
      throw new QualityInputError(
        `The scoring classifier reads ${clf.config.imageShape.join('×')} images; this model draws ${[c, h, w].join('×')}.`,
      );
    const reference = await this.referenceFor(clf, signal, onProgress);

    const { count } = request;
    const batch = Math.max(1, Math.min(Math.round(request.batch) || 1, count));
    const sampler = samplerSpec(request);
    const perBatch = samplerPlan(sampler).length;
    onProgress({ done: 0, total: count * perBatch, label: 'Compiling shaders' });
    await compileShaders(model, batch);
    const started = performance.now();
    const images = await drawSamples({
      model,
      sampler,
      count,
      batch,
      seed: request.seed,
      signal,
      onStep: (before, b, info) =>
        onProgress({
          done: before * info.total + b * (info.step + 1),
          total: count * info.total,
          label: `Sampling ${before + b}/${count} · step ${info.step + 1}/${info.total}`,
        }),
    });
    const sampleMs = performance.now() - started;

    const scoring = performance.now();
    const readout = await readClassifier(clf, images, count, {
      signal,
      onProgress: (done, total) => onProgress({ done, total, label: `Scoring samples ${done}/${total}` }),
    });
    const samples = sampleQuality(readout, reference.fit, clf.config.classes);
    const scoreMs = performance.now() - scoring;

    const shown = Math.min(PREVIEW_COUNT, count);
    const pixels = new Uint8Array(shown * h * w * c);
    for (let i = 0; i < pixels.length; i++) pixels[i] = Math.round(images[i] * 255);
    return {
      request: { ...request },
      modelName,
      samples,
      classCounts: samples.classFractions.map((f) => Math.round(f * count)),
      classNames: clf.config.classNames,
      floor: reference.floor,
      reference: { name: reference.name, images: reference.testImages },
      confident: CONFIDENT,
      sampleMs,
      scoreMs,
      backend: tf.getBackend(),
      cli: cliOptions(request, batch),
      preview: { count: shown, height: h, width: w, channels: c, pixels },
    };
  }

  private async loadClassifier(signal: AbortSignal, onProgress: ProgressCallback): Promise<ImageClassifier> {
    if (this.classifier) return this.classifier;
    onProgress({ done: 0, total: 1, label: 'Loading the MNIST classifier' });
    const bytes = await this.sources.classifier(signal, onProgress);
    throwIfCancelled(signal);
    const loaded = loadClassifier(bytes, 'The shipped MNIST classifier');
    if (!loaded.ok) throw new Error(loaded.error);
    this.classifier = loaded.value;
    return loaded.value;
  }

  /** The Gaussian of the classifier's features on the test split, and the train split's figures against it. */
  private async referenceFor(
    clf: ImageClassifier,
    signal: AbortSignal,
    onProgress: ProgressCallback,
  ): Promise<Reference> {
    if (this.reference) return this.reference;
    onProgress({ done: 0, total: 1, label: 'Loading MNIST' });
    const data = await this.sources.reference(signal, onProgress);
    const d = data.dataset;
    if ([d.channels, d.height, d.width].join() !== clf.config.imageShape.join())
      throw new Error(
        `The reference set ${d.name} is ${d.channels}×${d.height}×${d.width}, not MNIST-shaped.`,
      );
    const read = async (indices: Int32Array, what: string) =>
      readClassifier(clf, imageBatch(d, indices), indices.length, {
        signal,
        onProgress: (done, total) => onProgress({ done, total, label: `Scoring ${what} ${done}/${total}` }),
      });
    const dim = clf.config.featureDim;
    const fit = referenceFit(await read(data.test, 'the test split (reference)'), dim);
    const floor = sampleQuality(await read(data.train, 'the train split (floor)'), fit, clf.config.classes);
    this.reference = { fit, floor, name: `${d.name}, test split`, testImages: data.test.length };
    return this.reference;
  }
}
