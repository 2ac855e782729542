// Browser-safe I/O only; the Node-only writeFileAtomic is imported from './atomic-write-node.js'.
export {
  parseSafetensors,
  serializeSafetensors,
  toInt32,
  toTensor,
  type IndexArray,
  type ParsedSafetensors,
  type SafeData,
  type SafeDataOf,
  type SafeDType,
  type SafeTensor,
  type Serializable,
} from './safetensors.js';
