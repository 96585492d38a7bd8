/**
 * Reads a V8 CPU profile (`node --cpu-prof`) and ranks functions by self time and by total time
 * (a function counted once per sample however often it recurses). Idle time and the profiler's own
 * bookkeeping are left out of the shares, so they add up to the CPU the process spent working.
 *
 *   node --import tsx bench/profile-summary.ts FILE.cpuprofile [--top 15]
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface Ranked {
  name: string;
  /** Share of the working samples, 0–1. */
  share: number;
}

export interface ProfileSummary {
  /** Samples in which the process was working (not idle), and the sampling interval in µs. */
  samples: number;
  intervalMicros: number;
  self: Ranked[];
  total: Ranked[];
}

const IGNORED = new Set(['(idle)', '(root)', '(program)']);

function nameOf(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url.replace(/^file:\/\//, '');
  const short = where.includes('/node_modules/') ? where.slice(where.lastIndexOf('/node_modules/') + 14) : where.startsWith('/') ? relative(process.cwd(), where) : where;
  return `${functionName || '(anonymous)'}${short ? ` ${short}:${lineNumber + 1}` : ''}`;
}

/**
 * `window`: only the samples taken between these offsets before the profile's end, in ms (the
 * measurement, without start-up and warm-up). Counted from the end because the profile ends when
 * the process exits, which the caller sees, while it starts some way into the process's start-up.
 */
export function summarise(profile: Profile, top = 15, window?: { fromEndMs: number; toEndMs: number }): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let working = 0;
  const span = profile.timeDeltas.reduce((sum, delta) => sum + delta, 0);
  let elapsed = 0;
  let inWindow = 0;
  for (const [k, id] of profile.samples.entries()) {
    elapsed += profile.timeDeltas[k] ?? 0;
    const beforeEnd = span - elapsed;
    if (window && (beforeEnd > window.fromEndMs * 1000 || beforeEnd < window.toEndMs * 1000)) continue;
    inWindow += 1;
    const node = byId.get(id)!;
    const name = node.callFrame.functionName;
    if (name === '(idle)' || name === '(program)') continue;
    working += 1;
    const key = nameOf(node);
    self.set(key, (self.get(key) ?? 0) + 1);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!;
      if (IGNORED.has(frame.callFrame.functionName)) continue;
      const k = nameOf(frame);
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + 1);
    }
  }
  const rank = (counts: Map<string, number>) =>
    [...counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, n]) => ({ name, share: n / Math.max(1, working) }));
  const intervalMicros = (profile.endTime - profile.startTime) / Math.max(1, profile.samples.length);
  if (window && inWindow === 0) throw new Error('no samples in the window');
  return { samples: working, intervalMicros, self: rank(self), total: rank(total) };
}

export function printSummary(summary: ProfileSummary, title: string): void {
  console.log(`\n### ${title}: ${summary.samples} working samples of ~${summary.intervalMicros.toFixed(0)} µs\n`);
  console.log('| self % | function |\n|---:|---|');
  for (const r of summary.self) console.log(`| ${(r.share * 100).toFixed(1)} | \`${r.name}\` |`);
  console.log('\n| total % | function |\n|---:|---|');
  for (const r of summary.total) console.log(`| ${(r.share * 100).toFixed(1)} | \`${r.name}\` |`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: bench/profile-summary.ts FILE.cpuprofile [--top N]');
  const at = process.argv.indexOf('--top');
  const top = at > 0 ? Number(process.argv[at + 1]) : 15;
  printSummary(summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile, top), file);
}
