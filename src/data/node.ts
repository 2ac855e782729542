/** The data layer's Node-only API: file reading, downloads and the dataset cache. */
export {
  type LoadPlanetoidOptions,
  loadPlanetoid,
  PLANETOID_BASE_URL,
  planetoidDataDir,
} from './planetoid-node.js';
export { loadCsvGraph, loadJsonGraph } from './user-graph-node.js';
