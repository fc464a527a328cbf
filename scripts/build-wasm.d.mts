export const WAT_KERNELS: string[];
export function withoutRelaxedSimd(text: string): string;
export function assembleWat(path: string, relaxed?: boolean): Promise<Uint8Array>;
export function assembleBoth(path: string): Promise<[Uint8Array, Uint8Array]>;
export function wasmModuleSource(watPath: string, relaxedBytes: Uint8Array, plainBytes: Uint8Array): string;
export function modulePathOf(watPath: string): string;
