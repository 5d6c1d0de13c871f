/**
 * The error of the CSV server table: names the file, line, column and value.
 *
 * @module
 */

/**
 * A bad server table: the message names the file, and the line, column and
 * value where they apply ("Cannot load server table servers.csv: line 3,
 * column 3 (port): "abc" is not an integer from 0 to 65535").
 *
 * @example Catching a bad port
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseServerTable, ServerTableError } from "spawnkit/config";
 * assert.throws(() => parseServerTable("id,host,port\na,127.0.0.1,abc\n", "servers.csv"), (error) => {
 *   assert.ok(error instanceof ServerTableError);
 *   assert.equal(error.line, 2);
 *   assert.equal(error.column, "port");
 *   assert.equal(error.value, "abc");
 *   return true;
 * });
 * ```
 */
export class ServerTableError extends Error {
  /** The table's file. */
  readonly file: string;
  /** The line (1 is the header); undefined when no line is at fault (an id not in the table). */
  readonly line: number | undefined;
  /** The column's name, or `#N` past the header's columns; undefined when no column is at fault. */
  readonly column: string | undefined;
  /** The bad value as written; undefined when there is none (a missing column). */
  readonly value: string | undefined;

  /** Builds the error; `problem` ends the message. */
  constructor(
    where: { file: string; line?: number; column?: string; columnNumber?: number; value?: string },
    problem: string,
    options?: { cause?: unknown },
  ) {
    const place = [
      where.line === undefined ? undefined : `line ${where.line}`,
      where.column === undefined
        ? undefined
        : where.columnNumber === undefined
        ? `column ${where.column}`
        : `column ${where.columnNumber} (${where.column})`,
    ].filter((part) => part !== undefined).join(", ");
    super(`Cannot load server table ${where.file}: ${place === "" ? "" : `${place}: `}${problem}`, options);
    this.name = "ServerTableError";
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
    this.value = where.value;
  }
}
