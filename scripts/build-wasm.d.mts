export const WAT_KERNELS: string[];
export function assembleWat(path: string): Promise<Uint8Array>;
export function wasmModuleSource(watPath: string, bytes: Uint8Array): string;
export function modulePathOf(watPath: string): string;
