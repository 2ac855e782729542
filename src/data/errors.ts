/**
 * Errors the data layer throws on purpose. Each carries a message written for the person
 * running the program (which file or argument, what was expected, what was found), so a
 * CLI can print `error.message` as one line on stderr and exit with code 2.
 *
 *   DataError                      anything wrong with the user's data or its location
 *   ├── DataFormatError            a file or document is not in the expected format
 *   │   ├── PickleError            ... a Python pickle the reader refuses
 *   │   └── PlanetoidFormatError   ... Planetoid files that disagree with each other
 *   └── DatasetUnavailableError    a dataset file is missing, unreachable or corrupt
 */

/** Base class: a problem with the user's data, reported as one readable line. */
export class DataError extends Error {
  /** The exit code a CLI should use for this error. */
  readonly exitCode = 2;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export interface FormatErrorDetails {
  /** The file name, argument or document the problem is in. */
  readonly source: string;
  /** What the reader expected, e.g. "an int32 array of 140 × 7". */
  readonly expected: string;
  /** What it found instead. */
  readonly found: string;
  /** Byte offset (binary files) or line number (text), when known. */
  readonly at?: string;
}

/** A file or document does not have the format the reader expects. */
export class DataFormatError extends DataError {
  readonly source: string;
  readonly expected: string;
  readonly found: string;

  constructor(details: FormatErrorDetails) {
    const where = details.at === undefined ? '' : ` (${details.at})`;
    super(`${details.source}${where}: expected ${details.expected}, found ${details.found}`);
    this.source = details.source;
    this.expected = details.expected;
    this.found = details.found;
  }
}

/** A pickle stream the reader refuses: truncated, an unknown opcode, a forbidden global... */
export class PickleError extends DataFormatError {}

/** Planetoid files that parse but do not fit together (row counts, node ids, ...). */
export class PlanetoidFormatError extends DataFormatError {}

/** A dataset file is missing and cannot be downloaded, or its checksum does not match. */
export class DatasetUnavailableError extends DataError {
  readonly file: string;

  constructor(file: string, message: string) {
    super(message);
    this.file = file;
  }
}
