/**
 * Progress of an import or export: a cli-progress bar on a terminal (done/total, rate, ETA,
 * failures so far), nothing while it runs otherwise; the caller prints one summary line at the end.
 */
import { SingleBar } from 'cli-progress';

export interface Progress {
  start(total: number, done: number): void;
  update(done: number, failed: number): void;
  /** A passing condition worth showing (waiting out a 429), shown on the bar until the next update. */
  note(text: string): void;
  stop(): void;
}

export const silentProgress: Progress = { start() {}, update() {}, note() {}, stop() {} };

/** A bar on `stream` when it is a terminal, silence otherwise. `unit` names what is counted ("users"). */
export function terminalProgress(stream: NodeJS.WriteStream, unit: string, knownTotal = true): Progress {
  if (!stream.isTTY) return silentProgress;
  const started = Date.now();
  let first = 0;
  const rate = (done: number) => {
    const seconds = (Date.now() - started) / 1000;
    return seconds > 0 ? Math.round((done - first) / seconds).toLocaleString('en') : '0';
  };
  const format = knownTotal
    ? `{bar} {percentage}% | {value}/{total} ${unit} | {rate}/s | ETA {eta_formatted} | failed {failed}{note}`
    : `{value} ${unit} | {rate}/s{note}`;
  const bar = new SingleBar({ format, stream, hideCursor: true, etaBuffer: 50, fps: 5, clearOnComplete: false });
  return {
    start(total, done) {
      first = done;
      bar.start(Math.max(total, 0), done, { rate: '0', failed: 0, note: '' });
    },
    update(done, failed) {
      bar.update(done, { rate: rate(done), failed, note: '' });
    },
    note(text) {
      bar.update({ note: ` | ${text}` });
    },
    stop() {
      bar.stop();
    },
  };
}
