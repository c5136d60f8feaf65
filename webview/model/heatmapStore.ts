// The webview's cache of fetched heatmaps (grid values, prefix dropped) with LRU eviction, plus the
// fixed colour domain of each view: it only ever widens, in nice steps, as data arrives, so every
// small multiple of a view is painted on the same scale.
import type { HeatmapView, TensorName } from '../../src/protocol/timeline';
import { absMaxOf, minPositiveOf, widenDomain, widenLogDomain, type ColorDomain } from './colors';

export interface CellAddress {
  step: number;
  ordinal: number;
  layer?: number;
}
export interface ViewKey {
  tensor: TensorName;
  view: HeatmapView;
  channel: number;
}

export const cellKey = (v: ViewKey, a: CellAddress): string =>
  `${v.tensor}|${v.view}|${v.view === 'channel' ? v.channel : '-'}|${a.step}|${a.ordinal}|${a.layer ?? ''}`;
export const domainKey = (v: ViewKey, diff: boolean): string =>
  `${v.tensor}|${v.view}|${v.view === 'channel' ? v.channel : '-'}|${diff ? 'diff' : 'raw'}`;

/** `id` is unique per stored value set: painted cells remember it to know when to repaint. */
export interface CachedHeatmap {
  id: number;
  values: Float32Array;
  absMax: number;
  /** Smallest value > 0 (log-scale domains). */
  minPositive: number;
}

export type DomainKind = ColorDomain['kind'];

export class HeatmapStore {
  private readonly entries = new Map<string, CachedHeatmap>();
  private readonly errors = new Map<string, string>();
  private readonly domains = new Map<string, ColorDomain>();
  private nextId = 1;
  /** Bumped whenever any domain widens: everything painted with the old one must be repainted. */
  domainVersion = 0;

  constructor(private readonly capacity = 4000) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): CachedHeatmap | undefined {
    const e = this.entries.get(key);
    if (e) {
      this.entries.delete(key);
      this.entries.set(key, e);
    } // most recently used last
    return e;
  }
  peek(key: string): CachedHeatmap | undefined {
    return this.entries.get(key);
  }
  has(key: string): boolean {
    return this.entries.has(key);
  }
  error(key: string): string | undefined {
    return this.errors.get(key);
  }

  put(key: string, values: Float32Array): CachedHeatmap {
    const e = { id: this.nextId++, values, absMax: absMaxOf(values), minPositive: minPositiveOf(values) };
    this.entries.delete(key);
    this.entries.set(key, e);
    this.errors.delete(key);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    return e;
  }
  putError(key: string, message: string): void {
    this.errors.set(key, message);
  }

  /**
   * The view's domain, widened to cover `absMax` (and, on a log scale, `minPositive`): a norm view
   * is sequential, the change of an update log-scaled, the rest diverging.
   */
  domain(key: string, kind: DomainKind, absMax = 0, minPositive = Infinity): ColorDomain {
    const cur = this.domains.get(key) ?? { kind, max: 0 };
    const next = kind === 'log' ? widenLogDomain(cur, minPositive, absMax) : widenDomain(cur, absMax);
    if (next !== cur || !this.domains.has(key)) {
      const fixed = next.max > 0 ? next : { ...next, max: 1 };
      if (this.domains.has(key)) this.domainVersion++;
      this.domains.set(key, fixed);
      return fixed;
    }
    return cur;
  }

  clear(): void {
    this.entries.clear();
    this.errors.clear();
    this.domains.clear();
    this.domainVersion++;
  }
}
