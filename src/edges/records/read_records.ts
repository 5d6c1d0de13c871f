/**
 * Reading a records file back: the reader's half of the rule that a
 * half-written last line never corrupts the file.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
// csv-parse is an optional peer dependency of the npm package: without it, say which package to install.
const { parse } = await import("csv-parse/sync").catch((cause: Error) => {
  throw new Error(
    `Cannot import spawnkit/records: it needs the package csv-parse (npm install csv-parse): ${cause.message}`,
    { cause },
  );
});

/**
 * Parses records CSV text into one object per row, keyed by the header's
 * column names. A last line without its newline is a row still being written
 * (or cut by a failing disk) and is ignored; a UTF-8 BOM and CRLF line ends are
 * fine. Any other reader can apply the same rule: drop the text after the last
 * LF, then parse. A cell the writer neutralised as a spreadsheet formula
 * (`'=1+1`, written for `=1+1`) is read back without its added quote.
 *
 * @param text The file's text.
 * @returns The complete rows; all cells as strings.
 * @example A partial last line is ignored
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRecords } from "spawnkit/records";
 * const rows = parseRecords('id,close_reason\n1,peer-closed\n2,"shut');
 * assert.equal(rows.length, 1);
 * assert.equal(rows[0]!.close_reason, "peer-closed");
 * assert.equal(parseRecords("id,error\n1,\"'=HYPERLINK(1)\"\n")[0]!.error, "=HYPERLINK(1)");
 * ```
 */
export function parseRecords(text: string): Array<Record<string, string>> {
  const complete = text.slice(0, text.lastIndexOf("\n") + 1);
  const rows: Array<Record<string, string>> = parse(complete, { bom: true, columns: true, skip_empty_lines: true });
  for (const row of rows) {
    for (const [column, value] of Object.entries(row)) {
      // The quote put in front of a cell that a spreadsheet would run as a formula (see _csv_append.ts).
      if (NEUTRALISED.test(value)) row[column] = value.slice(1);
    }
  }
  return rows;
}

const NEUTRALISED = /^'+[=+\-@\t\r]/;

/**
 * Reads a records file (connection or server records) as {@linkcode parseRecords} does.
 *
 * @example Reading a records file
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtemp, rm, writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { readRecords } from "spawnkit/records";
 * const dir = await mkdtemp(join(tmpdir(), "records-"));
 * await writeFile(join(dir, "r.csv"), "\uFEFFid,error\r\n1,\"a, \"\"quoted\"\" error\"\r\n");
 * const [row] = await readRecords(join(dir, "r.csv"));
 * assert.equal(row?.error, 'a, "quoted" error');
 * await rm(dir, { recursive: true });
 * ```
 */
export async function readRecords(path: string): Promise<Array<Record<string, string>>> {
  return parseRecords(await readFile(path, "utf8"));
}
