/**
 * Stream control frames waiting for a reliable record (OPEN, OPENED, RESET, MAX_DATA), in order. A newer
 * grant for a stream whose MAX_DATA is still queued updates the queued frame (session-v1 §4.3).
 */
import { type Frame, FrameType, frameSize } from './frames.js';

type MaxDataFrame = Extract<Frame, { type: typeof FrameType.maxData }>;

export class ControlQueue {
  private readonly frames: Frame[] = [];
  /** MAX_DATA frames still queued, by stream. */
  private readonly maxData = new Map<number, MaxDataFrame>();

  get length(): number {
    return this.frames.length;
  }

  push(frame: Frame): void {
    this.frames.push(frame);
  }

  /** MAX_DATA(streamId, max), merged into the queued one if there is one; false if merged. */
  grant(streamId: number, max: number): boolean {
    const queued = this.maxData.get(streamId);
    if (queued) {
      queued.max = max;
      return false;
    }
    const frame: MaxDataFrame = { type: FrameType.maxData, streamId, max };
    this.maxData.set(streamId, frame);
    this.frames.push(frame);
    return true;
  }

  /** The stream is gone: a later grant for its id starts a frame of its own. */
  forget(streamId: number): void {
    this.maxData.delete(streamId);
  }

  /** Moves frames from the front into `out` while the body stays within `maxBody`; returns its new size. */
  takeInto(out: Frame[], size: number, maxBody: number): number {
    while (this.frames.length > 0 && size + frameSize(this.frames[0]!) <= maxBody) {
      const f = this.frames.shift()!;
      if (f.type === FrameType.maxData) this.maxData.delete(f.streamId);
      out.push(f);
      size += frameSize(f);
    }
    return size;
  }

  /** Puts frames taken by `takeInto` back at the front: no path could take the record. */
  putBack(frames: Frame[]): void {
    this.frames.unshift(...frames);
    for (const f of frames) if (f.type === FrameType.maxData) this.maxData.set(f.streamId, f);
  }
}
