/**
 * One connection under a reconnecting one, and what the reconnecting one
 * knows of it: how many of its frames were handed out, whether it is lost,
 * whether every frame it received has been read.
 *
 * @module
 */
import type { FramedConnection } from "../connection/framed_connection.ts";
import type { ConnectionStats } from "../stats.ts";

/** One underlying connection. */
export class Link {
  /** Frames handed to the reader so far. */
  handed = 0;
  /** True once it carried traffic: the reader reads it, sends go to it. */
  activated = false;
  /** Its final stats, once it is gone (socket closed). */
  final: ConnectionStats | undefined;
  /** True once the reader has had every frame it received. */
  drained = false;
  /** True once the loss was told (or did not need telling). */
  announced = false;

  constructor(readonly conn: FramedConnection) {}

  /** True once it is gone. */
  get lost(): boolean {
    return this.final !== undefined;
  }

  /** True once it is gone and the reader has had all its frames. */
  get done(): boolean {
    return this.final !== undefined && this.drained;
  }
}
