/**
 * Bookkeeping of a probe: which steps ran, how long each took, and which were skipped.
 * A probe records steps as it goes and turns them into a ProbeResult at the end, so every
 * result lists every step in a fixed order, whatever failed.
 */
import { performance } from 'node:perf_hooks';
import { MailError, toInfo } from '../errors';
import type { ProbeResult, ProbeStep, ProbeStepName, ProbeStepStatus } from '../types';

/** Starts a stopwatch; calling the returned function gives the elapsed whole milliseconds. */
export function stopwatch(): () => number {
  const start = performance.now();
  return () => Math.round(performance.now() - start);
}

/** Turns a library error into a MailError for the step in which it happened. */
export type Explain = (err: unknown, step: ProbeStepName) => MailError;

export class ProbeSteps {
  private readonly total = stopwatch();
  private readonly recorded = new Map<ProbeStepName, ProbeStep>();
  /** the step running now; an unexpected exception is charged to it */
  current: ProbeStepName;
  /** milliseconds since the current step began */
  lap = stopwatch();

  constructor(
    private readonly order: readonly ProbeStepName[],
    private readonly explain: Explain
  ) {
    this.current = order[0];
  }

  begin(name: ProbeStepName): void {
    this.current = name;
    this.lap = stopwatch();
  }

  /** Runs one step's work; a failure is diagnosed, recorded and rethrown as MailError. */
  async run<T>(name: ProbeStepName, work: () => Promise<T>): Promise<T> {
    this.begin(name);
    try {
      return await work();
    } catch (err) {
      throw this.fail(name, this.lap(), err instanceof MailError ? err : this.explain(err, name));
    }
  }

  record(name: ProbeStepName, status: ProbeStepStatus, ms: number, detail?: string): void {
    const step: ProbeStep = { name, status, ms };
    if (detail) step.detail = detail;
    this.recorded.set(name, step);
  }

  ok(name: ProbeStepName, detail?: string, warning?: string): void {
    const text = warning ? `${detail} — ${warning}` : detail;
    this.record(name, warning ? 'warning' : 'ok', this.lap(), text);
  }

  skip(name: ProbeStepName, detail?: string): void {
    this.record(name, 'skipped', 0, detail);
  }

  /** Records the failing step; its detail is the diagnosis so the step list reads on its own. */
  fail(name: ProbeStepName, ms: number, error: MailError): MailError {
    this.record(name, 'failed', ms, error.diagnosis);
    return error;
  }

  /** The result for a probe that stopped with an exception (a recorded failure or a bug). */
  failed(err: unknown): ProbeResult {
    if (err instanceof MailError && this.hasFailure()) return this.result(err);
    const error = err instanceof MailError ? err : this.explain(err, this.current);
    this.fail(this.current, this.lap(), error);
    return this.result(error);
  }

  result(error?: MailError): ProbeResult {
    const failed = this.order.find((n) => this.recorded.get(n)?.status === 'failed');
    const steps = this.order.map(
      (name): ProbeStep =>
        this.recorded.get(name) ?? {
          name,
          status: 'skipped',
          ms: 0,
          ...(failed ? { detail: `not run: the ${failed} step failed` } : {}),
        }
    );
    const result: ProbeResult = { ok: !error, steps, durationMs: this.total() };
    if (error) result.error = toInfo(error);
    return result;
  }

  private hasFailure(): boolean {
    return [...this.recorded.values()].some((s) => s.status === 'failed');
  }
}
