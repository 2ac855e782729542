/** The data layer's browser-safe public API (Node file access lives in ./node.ts). */
export type { EdgeIndex, NodeClassificationDataset, NodeFeatures } from './graph.js';
export { isCsr } from './graph.js';
export {
  DataError,
  DataFormatError,
  DatasetUnavailableError,
  PickleError,
  PlanetoidFormatError,
} from './errors.js';
export {
  PLANETOID_EXTENSIONS,
  PLANETOID_NAMES,
  PLANETOID_SHA256,
  type PlanetoidDataset,
  type PlanetoidExtension,
  type PlanetoidFiles,
  type PlanetoidName,
  type PlanetoidOptions,
  parsePlanetoid,
  planetoidFileName,
  planetoidName,
} from './planetoid.js';
export { readPickle } from './pickle.js';
export { karateClub, KARATE_CLASS_NAMES, type KarateClubOptions } from './karate.js';
export { type CsvGraphOptions, parseCsvGraph } from './csv.js';
export { type JsonGraphOptions, parseJsonGraph } from './json-graph.js';
export { fromGraphology, type GraphologyGraph, type GraphologyOptions } from './graphology.js';
export type { UserGraphDataset, UserGraphOptions } from './user-graph.js';
export {
  dictionaryLookup,
  dictionaryLookupBatch,
  type DictionaryLookupBatch,
  type DictionaryLookupOptions,
  type DictionaryLookupTask,
} from './dictionary-lookup.js';
export { stochasticBlockModel, type StochasticBlockModelOptions } from './sbm.js';
export { coalesceEdges, type CoalesceOptions } from './edges.js';
export { normalizeRows, identityCsr } from './features.js';
export { randomSplit, stratifiedSplit, type RandomSplitOptions, type SplitMasks } from './split.js';
