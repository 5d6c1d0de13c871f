/**
 * The gateway bots' report (bots.ts): what the summary holds, the lines
 * printed at the end of a run, and what makes a run fail.
 *
 * @module
 */

/** What the bots report at the end (the `summary` line). */
export interface BotsSummary {
  readonly bots: number;
  readonly seconds: number;
  /** Calls made (login aside); `calls` of them were answered, the rest are counted in `errors`. */
  readonly sent: number;
  readonly calls: number;
  readonly callsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly pushes: number;
  readonly pushesPerBot: { readonly min: number; readonly median: number; readonly max: number };
  readonly pushesByMethod: Record<string, number>;
  readonly errors: Record<string, number>;
  readonly unexpectedErrors: number;
  /** The probability of a drop per bot per second (`--chaos`). */
  readonly chaos: number;
  /** Links the chaos dropped: by a reset, and by a stall the heartbeat had to find. */
  readonly drops: { readonly resets: number; readonly stalls: number };
  /** Sessions that went on over a new link (the clients' `stats.session.resumes`). */
  readonly resumed: number;
  /** Pushes numbered and never seen (gaps in a stream), and pushes seen twice or going back. */
  readonly lostPushes: number;
  readonly duplicatePushes: number;
  /**
   * Chat calls the gateway handled twice, and chat calls answered but never
   * handled, as the readers of a room saw them (per sender the most any
   * reader saw, summed over the senders).
   */
  readonly duplicateCalls: number;
  readonly lostCalls: number;
}

/**
 * Prints the run's summary lines, the last of which is `summary {JSON}`, and
 * returns why the run failed (nothing when it did not): errors not expected,
 * pushes lost or seen twice, calls handled twice or not at all.
 * @example
 * ```ts ignore
 * const failures = report(summary, "gateway-bots.svg");
 * if (failures.length > 0) console.log(`FAILED: ${failures.join(", ")}`);
 * ```
 */
export function report(summary: BotsSummary, chartFile: string): string[] {
  const { errors, drops } = summary;
  console.log(
    `${summary.calls} calls in ${summary.seconds} s (${summary.callsPerSecond}/s): p50 ${summary.p50Ms} ms, ` +
      `p99 ${summary.p99Ms} ms`,
  );
  console.log(
    `pushes per bot: min ${summary.pushesPerBot.min}, median ${summary.pushesPerBot.median}, ` +
      `max ${summary.pushesPerBot.max} (${JSON.stringify(summary.pushesByMethod)})`,
  );
  console.log(`errors by code: ${JSON.stringify(errors)} (${summary.unexpectedErrors} not expected)`);
  console.log(
    `chaos ${summary.chaos}: ${drops.resets} resets, ${drops.stalls} stalls, ${summary.resumed} sessions resumed; ` +
      `pushes lost ${summary.lostPushes}, seen twice ${summary.duplicatePushes}; ` +
      `calls handled twice ${summary.duplicateCalls}, never handled ${summary.lostCalls}`,
  );
  console.log(`chart: ${chartFile}`);
  console.log(`summary ${JSON.stringify(summary)}`);
  return [
    summary.unexpectedErrors > 0 && `${summary.unexpectedErrors} unexpected errors ${JSON.stringify(errors)}`,
    summary.lostPushes > 0 && `${summary.lostPushes} pushes lost`,
    summary.duplicatePushes > 0 && `${summary.duplicatePushes} pushes seen twice`,
    summary.duplicateCalls > 0 && `${summary.duplicateCalls} calls handled twice`,
    summary.lostCalls > 0 && `${summary.lostCalls} calls answered and never handled`,
  ].filter((reason) => reason !== false);
}
