/**
 * One method call in flight: the context its method gets, and what the
 * connection needs to answer it.
 *
 * @module
 */
import type { Connection, Server } from "../../../mod.ts";
import type { Batch } from "./_batch.ts";
import type { RpcId, RpcParams, RpcRequest } from "./json_rpc.ts";
import type { RpcContext } from "./routes.ts";

/** What a call needs of its connection's loop. */
export interface CallOwner {
  readonly conn: Connection;
  readonly server: Server;
  readonly state: Record<string, unknown>;
  readonly shared: { notify(conn: Connection, method: string, params?: RpcParams): Promise<boolean> };
}

/** One method call in flight. */
export class Call implements RpcContext {
  constructor(
    readonly rpc: CallOwner,
    readonly request: RpcRequest,
    readonly notification: boolean,
    readonly batch: Batch | undefined,
  ) {}
  get conn(): Connection {
    return this.rpc.conn;
  }
  get server(): Server {
    return this.rpc.server;
  }
  get state(): Record<string, unknown> {
    return this.rpc.state;
  }
  get signal(): AbortSignal {
    return this.rpc.conn.signal;
  }
  get method(): string {
    return this.request.method;
  }
  get id(): RpcId | undefined {
    return this.notification ? undefined : this.request.id;
  }
  notify(method: string, params?: RpcParams): Promise<boolean> {
    return this.rpc.shared.notify(this.rpc.conn, method, params);
  }
}

/** Runs `check` on params: true, or the `data` of the -32602 answer (a thrown error's message). */
export function checkParams(check: (params: unknown) => boolean, params: unknown): true | { data?: string } {
  try {
    return check(params) === true ? true : {};
  } catch (error) {
    return { data: error instanceof Error ? error.message : String(error) };
  }
}
