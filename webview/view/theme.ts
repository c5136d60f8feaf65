// Theme colours for canvas drawing. VS Code puts every theme colour on the webview as a CSS variable
// (--vscode-editor-background, --vscode-trmLens-timeline-positive, ...) and a body class per theme
// kind; media/timeline.css maps them to --tl-* variables with fallbacks, which are read here.
import { buildRamp, parseColor, LOG_RAMP_BINS, RAMP_BINS, type Rgba } from '../model/colors';

export interface ThemeColors {
  background: Rgba;
  foreground: Rgba;
  muted: Rgba;
  border: Rgba;
  positive: Rgba;
  negative: Rgba;
  changed: Rgba;
  wrong: Rgba;
  nonFinite: Rgba;
  cursor: Rgba;
  stopped: Rgba;
  breakpoint: Rgba;
  placeholder: Rgba;
  diverging: Uint8ClampedArray; // negative → background → positive
  sequential: Uint8ClampedArray; // background → positive
  /** background → positive in finer bins: a log scale spans decades, a frame's structure a fraction of one. */
  logRamp: Uint8ClampedArray;
  fontFamily: string;
  highContrast: boolean;
}

const FALLBACK: Record<string, Rgba> = {
  background: [30, 30, 30, 255],
  foreground: [204, 204, 204, 255],
  muted: [140, 140, 140, 255],
  border: [80, 80, 80, 255],
  positive: [245, 147, 34, 255],
  negative: [8, 119, 189, 255],
  changed: [197, 134, 192, 255],
  wrong: [241, 76, 76, 255],
  nonFinite: [255, 0, 255, 255],
  cursor: [0, 127, 212, 255],
  stopped: [255, 204, 0, 255],
  breakpoint: [229, 20, 0, 255],
  placeholder: [60, 60, 60, 255],
};

export function readTheme(el: Element = document.body): ThemeColors {
  const cs = getComputedStyle(el);
  const get = (name: string, key: keyof typeof FALLBACK): Rgba =>
    parseColor(cs.getPropertyValue(`--tl-${name}`), FALLBACK[key]);
  const background = get('background', 'background');
  const positive = get('positive', 'positive');
  const negative = get('negative', 'negative');
  const cls = document.body.classList;
  return {
    background,
    foreground: get('foreground', 'foreground'),
    muted: get('muted', 'muted'),
    border: get('border', 'border'),
    positive,
    negative,
    changed: get('changed', 'changed'),
    wrong: get('wrong', 'wrong'),
    nonFinite: get('non-finite', 'nonFinite'),
    cursor: get('cursor', 'cursor'),
    stopped: get('stopped', 'stopped'),
    breakpoint: get('breakpoint', 'breakpoint'),
    placeholder: get('placeholder', 'placeholder'),
    diverging: buildRamp([negative, background, positive], RAMP_BINS),
    sequential: buildRamp([background, positive], RAMP_BINS),
    logRamp: buildRamp([background, positive], LOG_RAMP_BINS),
    fontFamily: cs.getPropertyValue('--tl-font').trim() || 'sans-serif',
    highContrast: cls.contains('vscode-high-contrast') || cls.contains('vscode-high-contrast-light'),
  };
}
