import { buildMnist } from '../build-mnist.mjs';

/** The embedded MNIST binaries are a build artefact; make sure tests see them. */
export default async function setup(): Promise<void> {
  await buildMnist();
}
