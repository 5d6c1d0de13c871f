/**
 * Where a WebSocket's incoming messages are copied to (ws_socket.ts): small
 * chunks are cut from a shared slab.
 *
 * @module
 */

// Small chunks are cut from a shared slab, never written again once handed out: on Deno and Bun every typed array has
// a backing store of its own, and allocating one per 64-byte message cost about 1.5 µs, a sixth of an echo. A slab
// lives as long as a chunk cut from it is kept (a frame the handler holds keeps at most SLAB_BYTES).
const SLAB_BYTES = 16_384;
const SLAB_CHUNK_MAX = 2048;
let slab = new Uint8Array(SLAB_BYTES);
let slabUsed = 0;

/** A chunk of `length` bytes the caller owns: cut from the slab when small, else its own. */
export function chunkOf(length: number): Uint8Array {
  if (length > SLAB_CHUNK_MAX) return new Uint8Array(length);
  if (slabUsed + length > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    slabUsed = 0;
  }
  const chunk = slab.subarray(slabUsed, slabUsed + length);
  slabUsed += length;
  return chunk;
}
