/**
 * `npm run bench:hashes`: what one verify costs at each family's ceiling (issue 12, item 2), on this
 * machine: wall time, CPU time (all threads of the process) and peak memory above the baseline.
 * Each family runs in a fresh child process so one family's peak RSS does not hide another's.
 * The ceilings are the server's: loadConfig() reads the same USERPLANE_HASH_MAX_* variables.
 *
 *   --rounds N   (3) verifies per family; the table shows the median
 *
 * A wrong password costs exactly what a right one does, so the hashes carry random digests.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.ts';
import { parseImportedHash, verifyImportedHash } from '../src/services/password-hashing/index.ts';
import { cases } from './ceiling-hashes.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string' }, one: { type: 'string' } } });
const rounds = Number(values.rounds ?? '3');

function rssMiB(): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;
}

/** In the child: verify `rounds` times, print {wallMs[], cpuMs[], peakMiB} as JSON. */
async function measureOne(index: number): Promise<void> {
  const one = cases(loadConfig(process.env).passwords.ceilings)[index]!;
  const parsed = parseImportedHash(one.type, one.hash);
  const baseline = rssMiB();
  const wallMs: number[] = [];
  const cpuMs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    await verifyImportedHash(parsed, 'not the password');
    wallMs.push(performance.now() - start);
    const used = process.cpuUsage(cpu);
    cpuMs.push((used.user + used.system) / 1000);
  }
  // maxRSS is the process's high-water mark, in KiB.
  const peakMiB = process.resourceUsage().maxRSS / 1024 - baseline;
  process.stdout.write(JSON.stringify({ wallMs, cpuMs, peakMiB }));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  if (values.one !== undefined) return measureOne(Number(values.one));
  const list = cases(loadConfig(process.env).passwords.ceilings);
  console.log(`One verify at each ceiling (median of ${rounds}); CPU is all threads of the process; memory is peak RSS above the baseline.\n`);
  console.log(`${'hash'.padEnd(42)} ${'wall ms'.padStart(8)} ${'CPU ms'.padStart(8)} ${'peak MiB'.padStart(9)}  setting`);
  for (let i = 0; i < list.length; i++) {
    const child = spawnSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--one', String(i), '--rounds', String(rounds)], { encoding: 'utf8', env: process.env });
    if (child.status !== 0) throw new Error(`${list[i]!.name}: ${child.stderr}`);
    const { wallMs, cpuMs, peakMiB } = JSON.parse(child.stdout) as { wallMs: number[]; cpuMs: number[]; peakMiB: number };
    console.log(
      `${list[i]!.name.padEnd(42)} ${median(wallMs).toFixed(0).padStart(8)} ${median(cpuMs).toFixed(0).padStart(8)} ${peakMiB.toFixed(0).padStart(9)}  ${list[i]!.setting}`,
    );
  }
}

await main();
