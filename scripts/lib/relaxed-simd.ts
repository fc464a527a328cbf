/**
 * Node 20 keeps WebAssembly relaxed SIMD behind a V8 flag (Chrome has shipped it since 114): the ReID
 * distance kernels' fused multiply-add needs it, and fall back to their plain-SIMD build without it. V8
 * flags are per process, so this reaches worker threads too; import it before the first kernel compiles.
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--experimental-wasm-relaxed-simd');
