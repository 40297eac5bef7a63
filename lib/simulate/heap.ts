/** A binary min-heap of timed frames, ties broken by insertion order so output is deterministic. */
export class FrameHeap {
  private ts: number[] = [];
  private order: number[] = [];
  private frames: Uint8Array[] = [];
  private counter = 0;

  get size(): number {
    return this.ts.length;
  }

  /** Time of the earliest frame (Infinity when empty). */
  peekTime(): number {
    return this.ts.length ? this.ts[0] : Number.POSITIVE_INFINITY;
  }

  push(ts: number, frame: Uint8Array): void {
    this.ts.push(ts);
    this.order.push(this.counter++);
    this.frames.push(frame);
    let i = this.ts.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Removes the earliest frame and passes it to `out`. */
  pop(out: (ts: number, frame: Uint8Array) => void): void {
    const ts = this.ts[0];
    const frame = this.frames[0];
    const last = this.ts.length - 1;
    this.swap(0, last);
    this.ts.pop();
    this.order.pop();
    this.frames.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.ts.length && this.less(l, m)) m = l;
      if (r < this.ts.length && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    out(ts, frame);
  }

  private less(a: number, b: number): boolean {
    return this.ts[a] < this.ts[b] || (this.ts[a] === this.ts[b] && this.order[a] < this.order[b]);
  }

  private swap(a: number, b: number): void {
    [this.ts[a], this.ts[b]] = [this.ts[b], this.ts[a]];
    [this.order[a], this.order[b]] = [this.order[b], this.order[a]];
    [this.frames[a], this.frames[b]] = [this.frames[b], this.frames[a]];
  }
}
