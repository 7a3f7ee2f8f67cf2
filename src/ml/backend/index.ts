/**
 * TF.js backend selection and the kernels that let the pure-JS backends
 * train: see select.ts (initBackend), registerKernels.ts (what is added or
 * replaced on wasm and cpu, and why), dilatedConvGrad.ts, wasmThreads.ts.
 */
export { initBackend, BACKEND_ENV } from './select'
export type { BackendReport, BackendName, BackendChoice, InitBackendOptions } from './select'
export { resolveWasmDir, WASM_DIR_ENV, WASM_BINARIES } from './wasmDir'
export { WASM_THREADS_ENV, MAX_WASM_THREADS, DEFAULT_WASM_THREADS } from './wasmThreads'
export { registerWasmTrainingKernels, registerCpuKernelFixes, WASM_TRAINING_KERNELS, CPU_FIXED_KERNELS } from './registerKernels'
export { registerDilatedConvGradients } from './dilatedConvGrad'
export { gradParity, kernelParity, relativeError, seededRandom } from './parity'
export type { InputSpec, ParityResult } from './parity'
