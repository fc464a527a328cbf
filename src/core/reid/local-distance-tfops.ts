/**
 * The local distance composed from plain tfjs ops, as the reproductions compute it in numpy/PyTorch: one
 * matrix product for all stripe pairs (‖f‖² + ‖g‖² − 2 f·g, clamped at 0), tanh(√·/2), then the shortest
 * path as H² element-wise min/add steps over all pairs at once. The baseline the WGSL kernel is measured
 * against; float32 throughout, so near-identical stripes lose precision to cancellation (the kernel and the
 * CPU reference do not). The product takes b transposed beforehand: tfjs-wasm's matMul with transposeB was
 * ~10× slower here than on a transposed copy.
 */
import * as tf from '@tensorflow/tfjs';

/** [2, Q, G] like `localDistance`: aligned, then unaligned, for query [Q, H, c] and gallery [G, H, c]. */
export function localDistanceByTfOps(query: tf.Tensor3D, gallery: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const [numQuery, h, c] = query.shape;
    const numGallery = gallery.shape[0];
    const a = tf.reshape(query, [numQuery * h, c]);
    const b = tf.reshape(gallery, [numGallery * h, c]);
    const aNorms = tf.sum(tf.square(a), 1, true);
    const bNorms = tf.reshape(tf.sum(tf.square(b), 1), [1, numGallery * h]);
    const squared = tf.relu(tf.sub(tf.add(aNorms, bNorms), tf.mul(tf.matMul(a, tf.transpose(b)), 2)));
    const d = tf.tanh(tf.mul(tf.sqrt(squared), 0.5));
    // [Q·H, G·H] → [Q, H, G, H] → [H(i), H(j), Q, G]: one [Q, G] plane per cell.
    const cells = tf.unstack(
      tf.reshape(tf.transpose(tf.reshape(d, [numQuery, h, numGallery, h]), [1, 3, 0, 2]), [
        h * h,
        numQuery,
        numGallery,
      ]),
    );
    const cell = (i: number, j: number) => cells[i * h + j];
    const row: tf.Tensor[] = [cell(0, 0)];
    for (let j = 1; j < h; j++) row.push(tf.add(row[j - 1], cell(0, j)));
    let diagonal = cell(0, 0);
    for (let i = 1; i < h; i++) {
      row[0] = tf.add(row[0], cell(i, 0));
      for (let j = 1; j < h; j++) row[j] = tf.add(tf.minimum(row[j], row[j - 1]), cell(i, j));
      diagonal = tf.add(diagonal, cell(i, i));
    }
    return tf.stack([row[h - 1], diagonal]) as tf.Tensor3D;
  });
}
