/** Where the offline dataset mirror lives, relative to the repository (../shared/datasets). */
import { fileURLToPath } from 'node:url';

export const PLANETOID_DIR = fileURLToPath(
  new URL('../../../shared/datasets/planetoid/', import.meta.url),
);
