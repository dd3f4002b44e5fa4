import { EventEmitter } from 'node:events';
import type { Waker } from './catchUp.ts';

/** A waker that appends in this process can ring: subscribers wake at once instead of at their next poll. */
export class LocalWaker implements Waker {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  ring(): void {
    this.emitter.emit('append');
  }

  wait(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.emitter.off('append', done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.emitter.once('append', done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
