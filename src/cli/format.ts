/** Text output: percentages, mean ± std, aligned tables. */

/** 0.8183 → "81.8%"; NaN (no node in the split) → "n/a". */
export function percent(x: number, digits = 1): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(digits)}%` : 'n/a';
}

/** "81.8 ± 0.6%". */
export function plusMinus(mean: number, std: number): string {
  if (!Number.isFinite(mean)) return 'n/a';
  return `${(100 * mean).toFixed(1)} ± ${(100 * (Number.isFinite(std) ? std : 0)).toFixed(1)}%`;
}

export interface TableOptions {
  /** The first row is a header, underlined with dashes. */
  readonly header: boolean;
  /** Spaces before every row. Default 0. */
  readonly indent?: number;
  /** Right-align every column but the first (numbers). Default false. */
  readonly alignRight?: boolean;
}

/** Rows of cells as aligned columns separated by two spaces, without a trailing newline. */
export function formatTable(rows: readonly (readonly string[])[], options: TableOptions): string {
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, c) =>
    Math.max(0, ...rows.map((r) => [...(r[c] ?? '')].length)),
  );
  const pad = ' '.repeat(options.indent ?? 0);
  const line = (cells: readonly string[]): string =>
    pad +
    cells
      .map((cell, c) => {
        const fill = ' '.repeat(widths[c]! - [...cell].length);
        const last = c === cells.length - 1;
        if (options.alignRight === true && c > 0) return fill + cell;
        return last ? cell : cell + fill;
      })
      .join('  ');
  const out = rows.map(line);
  if (options.header && rows.length > 0) {
    out.splice(1, 0, pad + widths.map((w) => '-'.repeat(w)).join('  '));
  }
  return out.join('\n');
}
