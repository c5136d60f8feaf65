// The `patches` list of a trace bundle: interventions in the recursion (issue 14b's patching and
// ablation). Bundles validate it as a list of objects; applying them is wired where patching
// exists. Until then a bundle with patches is refused with a clear message rather than restored
// without them (the states would not be the saved ones).

export function applyBundlePatches(patches: readonly Record<string, unknown>[]): void {
  if (patches.length === 0) return;
  throw new Error(
    `the bundle holds ${patches.length} patch${patches.length === 1 ? '' : 'es'} (interventions in the recursion), which this build of TRM Lens cannot apply; the session was not restored`,
  );
}
