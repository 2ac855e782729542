/**
 * graphattn — graph attention networks (GATv2 and GAT) for JavaScript.
 *
 * This entry is browser-safe: no Node API is imported from here. File-system helpers
 * (dataset download and cache, atomic checkpoint writes) live in 'graphattn/node'.
 */

// Tensors and randomness
export { Tensor, type DType, type FloatArray, type Shape } from './tensor/tensor.js';
export { Random } from './tensor/random.js';
export {
  StoragePool,
  setStoragePoolMode,
  unpooled,
  type StoragePoolMode,
  type StoragePoolOptions,
} from './tensor/pool.js';

// Kernels
export type { CsrMatrix, Kernels, TargetCsr } from './kernels/kernels.js';
export { kernels, setKernels } from './kernels/backend.js';
export { referenceKernels } from './kernels/reference/index.js';
export { loadWasmKernels, type WasmKernelOptions } from './kernels/wasm/index.js';
export { supportsRelaxedSimd, type SimdChoice } from './kernels/wasm/loader.js';

// Autograd
export {
  Variable,
  backward,
  constant,
  noGrad,
  parameter,
  record,
  type BackwardFn,
} from './autograd/variable.js';
export {
  gradcheck,
  gradcheckVariables,
  type GradcheckOptions,
  type GradcheckResult,
} from './autograd/gradcheck.js';
export { elu, leakyRelu, relu } from './autograd/ops/activations.js';
export { dropout, dropoutScale } from './autograd/ops/dropout.js';
export { add, addRowVector, mul, neg, scale, sub } from './autograd/ops/elementwise.js';
export { gatherRows, scatterAddRows } from './autograd/ops/gather-scatter.js';
export { headDot, headMean, mulHeads } from './autograd/ops/heads.js';
export { crossEntropy } from './autograd/ops/loss.js';
export { matmul, type MatmulOptions } from './autograd/ops/matmul.js';
export { mean, sum } from './autograd/ops/reduce.js';
export { reshape, transpose } from './autograd/ops/shape.js';
export { logSoftmax, segmentSoftmax, softmax } from './autograd/ops/softmax.js';
export { spmm } from './autograd/ops/sparse.js';

// Graphs
export { toEdgeIndex, type EdgeIndex, type EdgeIndexInput } from './graph/edge-index.js';
export {
  NeighborSampler,
  sliceNodeFeatures,
  sliceNodeValues,
  type SampledSubgraph,
} from './graph/neighbor-sampler.js';

// Layers and models
export { Module, StateDictError } from './nn/module.js';
export { Linear } from './nn/linear.js';
export { GATv2Conv, type GATv2ConvOptions, type AttentionOutput } from './nn/gatv2-conv.js';
export { GATConv, type GATConvOptions } from './nn/gat-conv.js';
export type { AttentionLayerOptions, ForwardOptions } from './nn/attention-options.js';
export type { FillValue } from './nn/functional/self-loop-attr.js';
export type { LayerInput, LayerInputs, NodeFeaturesInput } from './nn/layer-input.js';
export { fromPyGOptions, UnsupportedOptionError } from './nn/pyg-options.js';
export {
  GATModel,
  type GATModelConfig,
  type GATVariant,
  type LayerAttention,
} from './nn/models/gat.js';
export { parsePyGArchitecture, ArchitectureError } from './nn/models/pyg-architecture.js';
export {
  edgeAttentionWeights,
  explainNodeAttention,
  type HeadAttention,
  type NodeAttention,
  type RankedNeighbour,
} from './nn/explain.js';

// Weights on disk (bytes in, bytes out)
export * from './io/index.js';

// Optimisers
export * from './optim/index.js';

// Data: Planetoid parsing, user graphs, the karate club, generators (bytes and objects in)
export * from './data/index.js';

// Training (full batch), metrics, checkpoints as bytes
export * from './train/index.js';
