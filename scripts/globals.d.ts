/**
 * Globals that tsc (the Node type check, tsconfig.json) does not know from
 * @types/node 20. Deno's own check knows them.
 */
interface ImportMeta {
  /**
   * True in the entry module on Deno, Bun and Node ≥ 24.2. Undefined on Node
   * 20, where a module guarded by it does not run its main part.
   */
  readonly main?: boolean;
}
