// A small, strict command-line parser: `--name value`, `--flag`, `--name=value` and positionals.
// Unknown options are errors (a typo must not silently fall back to a default).

export class UsageError extends Error {}

export interface OptionSpec {
  /** Takes a value (`--out dir`) or is a boolean flag (`--resume`). */
  value: boolean;
  required?: boolean;
  description: string;
  valueName?: string;
}

export interface ParsedArgs {
  options: Map<string, string | true>;
  positionals: string[];
}

export function parseArgs(argv: string[], spec: Record<string, OptionSpec>, command: string): ParsedArgs {
  const options = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    const s = spec[name];
    if (!s)
      throw new UsageError(
        `${command}: unknown option --${name}; options are ${Object.keys(spec)
          .map((k) => `--${k}`)
          .join(', ')}`,
      );
    if (s.value) {
      const v = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined || (eq < 0 && v.startsWith('--')))
        throw new UsageError(`${command}: --${name} needs a value (${s.valueName ?? 'value'})`);
      options.set(name, v);
    } else {
      if (eq > 0) throw new UsageError(`${command}: --${name} is a flag and takes no value`);
      options.set(name, true);
    }
  }
  for (const [name, s] of Object.entries(spec)) {
    if (s.required && !options.has(name))
      throw new UsageError(`${command}: missing required option --${name} <${s.valueName ?? 'value'}>`);
  }
  return { options, positionals };
}

export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.options.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function flag(args: ParsedArgs, name: string): boolean {
  return args.options.get(name) === true;
}

export function int(args: ParsedArgs, name: string, min = 0): number | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`--${name} must be an integer >= ${min} (got ${JSON.stringify(v)})`);
  return n;
}

export function intList(args: ParsedArgs, name: string): number[] | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  const parts = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const out = parts.map(Number);
  if (!parts.length || out.some((n) => !Number.isInteger(n) || n < 0))
    throw new UsageError(
      `--${name} must be a comma-separated list of row indices like 0,3,7 (got ${JSON.stringify(v)})`,
    );
  return out;
}

export function usage(command: string, summary: string, spec: Record<string, OptionSpec>): string {
  const lines = [`usage: trm ${command}`, '', summary, '', 'options:'];
  for (const [name, s] of Object.entries(spec)) {
    const left = `  --${name}${s.value ? ` <${s.valueName ?? 'value'}>` : ''}`;
    lines.push(`${left.padEnd(34)} ${s.description}${s.required ? ' (required)' : ''}`);
  }
  return lines.join('\n');
}
