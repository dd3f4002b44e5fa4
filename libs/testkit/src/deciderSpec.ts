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
          const run = () =>
            decider.decide(command, events.reduce(decider.evolve, decider.initialState()));
          return {
            // biome-ignore lint/suspicious/noThenProperty: given/when/then is the spec's language; the object is never awaited
            then(expected: readonly E[]) {
              expect(run()).toEqual(expected);
            },
            thenMatches(check: (events: E[]) => void) {
              check(run());
            },
            /**
             * The decider refuses with `code`; with `fields`, naming exactly those domain facts
             * (`['date']`), and with `message`, a field message containing it.
             */
            thenThrows(
              code: string,
              expected: { fields?: readonly string[]; message?: string } = {},
            ) {
              let thrown: unknown;
              try {
                run();
              } catch (error) {
                thrown = error;
              }
              expect(thrown, `expected the decider to refuse with ${code}`).toBeDefined();
              expect((thrown as { code?: string }).code).toBe(code);
              const fields =
                (thrown as { fields?: readonly { field: string; message: string }[] }).fields ?? [];
              if (expected.fields)
                expect(
                  fields.map((f) => f.field),
                  `the fields ${code} names`,
                ).toEqual(expected.fields);
              if (expected.message !== undefined)
                expect(fields.map((f) => f.message).join('\n')).toContain(expected.message);
            },
          };
        },
      };
    },
  };
}
