// Keyboard navigation over the timeline as a pure function: arrows move along updates (wrapping into
// the neighbouring step) and across steps, Home/End jump to the first/last reached update.
export interface Cursor {
  step: number;
  col: number;
}
export interface Bounds {
  columns: number; // columns per step
  lastStep: number; // last step the session has reached (navigation never runs ahead of it)
}
export type NavKey = 'ArrowLeft' | 'ArrowRight' | 'ArrowUp' | 'ArrowDown' | 'Home' | 'End' | 'PageUp' | 'PageDown';
export const NAV_KEYS: readonly string[] = [
  'ArrowLeft',
  'ArrowRight',
  'ArrowUp',
  'ArrowDown',
  'Home',
  'End',
  'PageUp',
  'PageDown',
];
export const isNavKey = (k: string): k is NavKey => NAV_KEYS.includes(k);

export function clampCursor(c: Cursor, b: Bounds): Cursor {
  const lastStep = Math.max(1, b.lastStep);
  return { step: Math.max(1, Math.min(lastStep, c.step)), col: Math.max(0, Math.min(b.columns - 1, c.col)) };
}

export function moveCursor(c: Cursor, key: NavKey, b: Bounds): Cursor {
  const cur = clampCursor(c, b);
  const lastStep = Math.max(1, b.lastStep);
  switch (key) {
    case 'ArrowRight':
      if (cur.col < b.columns - 1) return { step: cur.step, col: cur.col + 1 };
      return cur.step < lastStep ? { step: cur.step + 1, col: 0 } : cur;
    case 'ArrowLeft':
      if (cur.col > 0) return { step: cur.step, col: cur.col - 1 };
      return cur.step > 1 ? { step: cur.step - 1, col: b.columns - 1 } : cur;
    case 'ArrowDown':
      return { step: Math.min(lastStep, cur.step + 1), col: cur.col };
    case 'ArrowUp':
      return { step: Math.max(1, cur.step - 1), col: cur.col };
    case 'PageDown':
      return { step: lastStep, col: cur.col };
    case 'PageUp':
      return { step: 1, col: cur.col };
    case 'Home':
      return { step: 1, col: 0 };
    case 'End':
      return { step: lastStep, col: b.columns - 1 };
  }
}

/** The update played after `c`, or null at the end of the reached range (play/pause stops there). */
export function nextForPlay(c: Cursor, b: Bounds): Cursor | null {
  const n = moveCursor(c, 'ArrowRight', b);
  return n.step === c.step && n.col === c.col ? null : n;
}

export const sameCursor = (a: Cursor | null, b: Cursor | null): boolean =>
  a === b || (a !== null && b !== null && a.step === b.step && a.col === b.col);
