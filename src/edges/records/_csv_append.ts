/**
 * An append-only CSV file that a kill -9 cannot corrupt, shared by the
 * connection and server records.
 *
 * Invariants:
 * 1. Every row is one physical line: CR and LF inside a cell become spaces, so
 *    a line is a row and `tail`, `wc -l` and `grep` work on the file.
 * 2. Every row goes to the file in one `write()` of whole lines, on an fd
 *    opened for append, as soon as it is added: a killed process loses no row
 *    it added; only a failing disk can leave a partial last line.
 * 3. A reader ignores a last line without its newline ({@linkcode readRecords}
 *    does); opening the file again cuts such a line off before appending, so
 *    it never joins the next row.
 * 4. The first line is the header; opening a file whose header differs fails
 *    rather than mixing two layouts.
 * 5. No text cell is a live formula in a spreadsheet (OWASP "CSV injection"):
 *    one that begins with `=`, `+`, `-`, `@`, a tab or a carriage return (after
 *    any single quotes) gets a single quote in front and is quoted;
 *    `readRecords()` takes that quote off again. Other control characters
 *    (ESC, which a terminal running `tail` would obey) are escaped as the log
 *    lines are (`\u001b`).
 *
 * @module
 */
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from "node:fs";
import { escapeControlCharacters } from "../../../mod.ts";
// csv-stringify is an optional peer dependency of the npm package: without it, say which package to install.
const { stringify } = await import("csv-stringify/sync").catch((cause: Error) => {
  throw new Error(
    `Cannot import spawnkit/records: it needs the package csv-stringify (npm install csv-stringify): ${cause.message}`,
    { cause },
  );
});

const encoder = new TextEncoder();
const NEWLINE = 0x0a;

/** One cell of a records row: empty for `undefined` and `null`. */
export type Cell = string | number | undefined | null;

/**
 * What makes a cell a formula in Excel, LibreOffice or Google Sheets (OWASP), behind any quotes this rule added
 * before: so a cell that really begins with `'=` keeps its quote through a write and a read.
 */
export const FORMULA_START = /^'*[=+\-@\t\r]/;

/** A text cell as written: on one line, control characters escaped, a formula neutralised by a leading quote. */
export function safeCell(text: string): string {
  const line = escapeControlCharacters(text.replace(/\r\n|\r|\n/g, " "));
  return FORMULA_START.test(line) ? `'${line}` : line;
}

/** Formats rows as CSV lines ending in LF, each row on one physical line. */
export function csvLines(rows: Cell[][]): string {
  const flat = rows.map((row) => row.map((cell) => typeof cell === "string" ? safeCell(cell) : cell));
  // A neutralised cell is quoted as well, as OWASP asks: the quote then reads as part of the text everywhere.
  return stringify(flat, { record_delimiter: "unix", quoted_match: FORMULA_QUOTED });
}

const FORMULA_QUOTED = /^'+[=+\-@\t\r]/;

/** An open CSV file that rows are appended to. */
export class CsvAppendFile {
  readonly path: string;
  #fd: number | undefined;

  /**
   * Opens (or creates) `path` for appending, cuts off a partial last line, and
   * writes the header if the file is empty.
   *
   * @throws {Error} the file cannot be opened, or its header is not `header`.
   */
  constructor(path: string, header: readonly string[]) {
    this.path = path;
    const fd = openSync(path, "a+");
    try {
      const line = csvLines([[...header]]);
      const size = cutPartialLine(fd);
      if (size === 0) writeAll(fd, line);
      else {
        const first = firstLine(fd, line.length);
        if (first !== line) {
          throw new Error(
            `Cannot append records to ${path}: its header is ${JSON.stringify(first.trimEnd())}, ` +
              `not ${JSON.stringify(line.trimEnd())}`,
          );
        }
      }
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    this.#fd = fd;
  }

  /** Whether the file is still open. */
  get open(): boolean {
    return this.#fd !== undefined;
  }

  /** Appends rows with one write. @throws {Error} the file is closed or the write failed. */
  append(rows: Cell[][]): void {
    if (this.#fd === undefined) throw new Error(`Cannot append records to ${this.path}: closed`);
    if (rows.length > 0) writeAll(this.#fd, csvLines(rows));
  }

  /** Closes the file; later appends throw. */
  close(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
  }
}

/** Writes `text` whole, going on after a short write (a full disk can cause one). */
function writeAll(fd: number, text: string): void {
  const bytes = encoder.encode(text);
  let at = 0;
  while (at < bytes.length) at += writeSync(fd, bytes, at, bytes.length - at);
}

/** Truncates the file after its last newline; returns the new size. */
function cutPartialLine(fd: number): number {
  const size = fstatSync(fd).size;
  const chunk = new Uint8Array(4096);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const read = readSync(fd, chunk, 0, end - start, start);
    const index = chunk.subarray(0, read).lastIndexOf(NEWLINE);
    if (index >= 0) {
      end = start + index + 1;
      break;
    }
    end = start;
  }
  if (end !== size) ftruncateSync(fd, end);
  return end;
}

/** The file's first line with its newline (up to `limit` + a few bytes, enough to compare a header). */
function firstLine(fd: number, limit: number): string {
  const bytes = new Uint8Array(limit * 4 + 4);
  const read = readSync(fd, bytes, 0, bytes.length, 0);
  const text = new TextDecoder().decode(bytes.subarray(0, read)).replace(/^\uFEFF/, "");
  const newline = text.indexOf("\n");
  return newline < 0 ? text : text.slice(0, newline + 1).replace(/\r\n$/, "\n");
}
