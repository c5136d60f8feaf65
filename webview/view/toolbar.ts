// View controls: which tensor (z = z_L / y = z_H), which per-position reduction (the change an update
// made, PCA, norm, one channel), which diff, update or layer columns, and play/pause. Plain native controls so keyboard and
// screen-reader behaviour come for free; values round-trip through ViewState.
import type {
  DiffMode,
  Granularity,
  HeatmapView,
  TensorName,
  TimelineAction,
  ViewState,
} from '../../src/protocol/timeline';
import { h } from './dom';

function select<T extends string>(
  id: string,
  label: string,
  options: [T, string][],
  title: string,
): { wrap: HTMLElement; el: HTMLSelectElement } {
  const el = h(
    'select',
    { attrs: { id, 'aria-label': label }, title },
    options.map(([v, text]) => h('option', { text, attrs: { value: v } })),
  );
  return { wrap: h('label', { class: 'tl-field' }, [h('span', { text: label }), el]), el };
}

export class Toolbar {
  readonly root: HTMLElement;
  readonly play: HTMLButtonElement;
  private readonly tensor;
  private readonly view;
  private readonly diff;
  private readonly granularity;
  private readonly channel: HTMLInputElement;
  private readonly channelWrap: HTMLElement;
  /** Why playback stopped (at the last step run so far, at the end of the episode). */
  readonly note: HTMLElement;
  private written = '';

  constructor(
    onChange: (v: ViewState) => void,
    onPlay: () => void,
    onAction: (action: TimelineAction) => void = () => undefined,
  ) {
    this.tensor = select<TensorName>(
      'tl-tensor',
      'state',
      [
        ['z', 'z (z_L, latent)'],
        ['y', 'y (z_H, answer)'],
      ],
      'which recursion state the heatmaps show',
    );
    this.view = select<HeatmapView>(
      'tl-view',
      'show',
      [
        ['delta', 'change per update (log)'],
        ['pca', 'PCA (1st component)'],
        ['norm', '‖·‖ per position'],
        ['channel', 'one channel'],
        ['zlens', 'z-lens (z decoded: margin)'],
      ],
      "how each position's D-dimensional state becomes one value: how far this update moved it (‖Δ‖, log scale), its first principal component, its norm (flat after RMS norm), one channel, or the z-lens: z decoded through the output head, per cell the margin, + where z decodes to the value y ends with, − where not; purple cells: z already holds the value y adopts later",
    );
    this.diff = select<DiffMode>(
      'tl-diff',
      'diff',
      [
        ['none', 'none'],
        ['previous', 'vs previous update'],
        ['label', 'vs label (answer)'],
      ],
      'heatmaps: difference to the previous update; answers: cells changed since the previous step, or wrong against the label',
    );
    this.granularity = select<Granularity>(
      'tl-granularity',
      'columns',
      [
        ['update', 'updates'],
        ['layer', 'layers'],
      ],
      'one column per network call, or per layer inside it',
    );
    this.channel = h('input', {
      attrs: { id: 'tl-channel', type: 'number', min: '0', step: '1', value: '0', 'aria-label': 'channel' },
    });
    this.channelWrap = h('label', { class: 'tl-field' }, [h('span', { text: 'channel' }), this.channel]);
    this.play = h('button', {
      class: 'tl-play',
      text: '▶ Play',
      title: 'play / pause (space)',
      attrs: { type: 'button', id: 'tl-play' },
    });
    this.note = h('span', { class: 'tl-play-note', attrs: { role: 'status', 'aria-live': 'polite' } });
    const forkCloud = h('button', {
      class: 'tl-action',
      text: 'Fork cloud…',
      title:
        'fork a trajectory cloud here: N noisy branches from the stop, picked by the Q head (asks N and the noise scale); the fan appears on the latent trajectory plot',
      attrs: { type: 'button', id: 'tl-fork-cloud' },
    });
    forkCloud.addEventListener('click', () => onAction('forkCloud'));
    const addSparkline = h('button', {
      class: 'tl-action',
      text: 'Add sparkline…',
      title:
        'draw an expression over every update (mean(entropy(y)), conf(y)[r4c7], drift(z), correct, …); the Watch view’s expressions are drawn too',
      attrs: { type: 'button', id: 'tl-add-sparkline' },
    });
    addSparkline.addEventListener('click', () => onAction('addSparkline'));
    this.root = h('div', { class: 'tl-toolbar', attrs: { role: 'toolbar', 'aria-label': 'timeline view' } }, [
      this.play,
      this.note,
      this.tensor.wrap,
      this.view.wrap,
      this.channelWrap,
      this.diff.wrap,
      this.granularity.wrap,
      forkCloud,
      addSparkline,
    ]);
    const changed = (): void => onChange(this.read());
    for (const s of [this.tensor.el, this.view.el, this.diff.el, this.granularity.el])
      s.addEventListener('change', changed);
    this.channel.addEventListener('change', changed);
    this.play.addEventListener('click', onPlay);
  }

  /** Current control values; an invalid channel entry falls back to 0. */
  read(): ViewState {
    const ch = Number(this.channel.value);
    return {
      tensor: this.tensor.el.value as TensorName,
      view: this.view.el.value as HeatmapView,
      channel: Number.isInteger(ch) && ch >= 0 ? ch : 0,
      diff: this.diff.el.value as DiffMode,
      granularity: this.granularity.el.value as Granularity,
    };
  }

  /** Writes the controls only when the state differs from what they last showed (never clobbers an edit in progress). */
  write(v: ViewState, hiddenSize: number | null): void {
    const sig = `${JSON.stringify(v)}|${hiddenSize}`;
    if (sig === this.written) return;
    this.written = sig;
    this.tensor.el.value = v.tensor;
    this.view.el.value = v.view;
    this.diff.el.value = v.diff;
    this.granularity.el.value = v.granularity;
    this.channel.value = String(v.channel);
    if (hiddenSize !== null) this.channel.max = String(hiddenSize - 1);
    this.channelWrap.hidden = v.view !== 'channel';
  }

  setNote(text: string): void {
    if (this.note.textContent !== text) this.note.textContent = text;
    this.note.hidden = text === '';
  }

  setPlaying(playing: boolean): void {
    this.play.textContent = playing ? '⏸ Pause' : '▶ Play';
    this.play.setAttribute('aria-pressed', String(playing));
  }

  setEnabled(enabled: boolean): void {
    for (const el of this.root.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLButtonElement>(
      'select, input, button',
    ))
      el.disabled = !enabled;
  }
}
