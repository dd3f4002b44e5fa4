import { expect } from 'vitest';

interface DeciderLike<C, E, S> {
  initialState(): S;
  evolve(state: S, event: E): S;
  decide(command: C, state: S): E[];
}

/**
 * Given/when/then over a pure decider:
 * `spec.given(events).when(command).then(expectedEvents)` or `.thenThrows('CODE')`.
 */
export function deciderSpec<C, E, S>(decider: DeciderLike<C, E, S>) {
  return {
    given(events: readonly E[]) {
      return {
        when(command: C) {
          const run = () => decider.decide(command, events.reduce(decider.evolve, decider.initialState()));
          return {
            then(expected: readonly E[]) {
              expect(run()).toEqual(expected);
            },
            thenMatches(check: (events: E[]) => void) {
              check(run());
            },
            thenThrows(code: string) {
              let thrown: unknown;
              try {
                run();
              } catch (error) {
                thrown = error;
              }
              expect(thrown, `expected the decider to refuse with ${code}`).toBeDefined();
              expect((thrown as { code?: string }).code).toBe(code);
            },
          };
        },
      };
    },
  };
}
