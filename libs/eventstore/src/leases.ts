import type { Lease, Leases } from './port.ts';

/**
 * Leases among the users of one store object in one process: enough for the embedded mode and for
 * tests that run two relays side by side. Processes that share a store across machines need the
 * adapter's own (PostgreSQL: an advisory lock).
 */
export class LocalLeases implements Leases {
  private readonly held = new Map<string, AbortController>();

  async tryAcquire(name: string): Promise<Lease | null> {
    if (this.held.has(name)) return null;
    const controller = new AbortController();
    this.held.set(name, controller);
    return {
      name,
      lost: controller.signal,
      release: async () => this.drop(name, controller),
    };
  }

  /** Ends every lease, as a dying process would. */
  releaseAll(): void {
    for (const [name, controller] of [...this.held]) this.drop(name, controller);
  }

  private drop(name: string, controller: AbortController): void {
    if (this.held.get(name) === controller) this.held.delete(name);
    if (!controller.signal.aborted) controller.abort(new Error(`lease ${name} released`));
  }
}
