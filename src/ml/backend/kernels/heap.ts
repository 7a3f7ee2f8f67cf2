import type * as tf from '@tensorflow/tfjs'

/** The BackendWasm methods the heap-level kernels use: outputs are allocated in, and read from, the wasm heap. */
export interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array
  disposeData(dataId: tf.DataId): boolean
}

export function heapBackend(backend: unknown): HeapBackend {
  const b = backend as Partial<HeapBackend>
  if (typeof b.makeOutput !== 'function' || typeof b.typedArrayFromHeap !== 'function') {
    throw new Error('this kernel needs the wasm backend (makeOutput/typedArrayFromHeap missing)')
  }
  return b as HeapBackend
}
