import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkDeciderProperty } from '@fangyi/testkit';
import { COMMON_ERRORS, DomainError } from '../src/index.ts';

// The decider property must be able to fail: a TypeError, an unregistered code, a decide that
// changes the state it was given, and an event the contract refuses are each caught.

type Command = { type: 'Add'; data: { n: number } };
type Event = { type: 'test.added'; data: { n: number } };
type State = { total: number; seen: number[] };
const commands: fc.Arbitrary<Command> = fc
  .integer({ min: -3, max: 3 })
  .map((n) => ({ type: 'Add', data: { n } }));
const decider = (decide: (c: Command, s: State) => Event[]) => ({
  initialState: (): State => ({ total: 0, seen: [] }),
  evolve: (s: State, e: Event): State => ({
    total: s.total + e.data.n,
    seen: [...s.seen, e.data.n],
  }),
  decide,
});
const options = { codes: COMMON_ERRORS, validEvent: () => {}, numRuns: 50 };
const failureOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return `${(error as Error).message}\n${String(((error as Error).cause as Error | undefined)?.message)}`;
  }
  throw new Error('the property should have failed');
};

describe('the decider property catches what it promises to', () => {
  it('passes a decider that refuses only with registered DomainErrors', () => {
    const fine = decider((c) => {
      if (c.data.n < 0) throw new DomainError('VALIDATION_FAILED', 'negative');
      return [{ type: 'test.added', data: c.data }];
    });
    expect(checkDeciderProperty(fine, commands, options).refused).toBeGreaterThan(0);
  });

  it('catches a TypeError, an unregistered code, a mutated state and an event the contract refuses', () => {
    const typeError = decider((c) => {
      if (c.data.n < 0) (undefined as unknown as { x: number }).x.toFixed();
      return [];
    });
    expect(failureOf(() => checkDeciderProperty(typeError, commands, options))).toMatch(
      /Add threw TypeError/,
    );
    const unregistered = decider((c) => {
      if (c.data.n < 0) throw new DomainError('NO_SUCH_CODE' as 'VALIDATION_FAILED');
      return [];
    });
    expect(failureOf(() => checkDeciderProperty(unregistered, commands, options))).toMatch(
      /NO_SUCH_CODE is registered/,
    );
    const mutating = decider((c, s) => {
      s.seen.push(c.data.n);
      throw new DomainError('VALIDATION_FAILED');
    });
    expect(failureOf(() => checkDeciderProperty(mutating, commands, options))).toMatch(
      /changed the state it was given/,
    );
    const refusedByContract = decider((c) => [{ type: 'test.added', data: c.data }]);
    const contract = (e: Event) => {
      if (e.data.n === 0) throw new Error('zero is not a valid amount');
    };
    expect(
      failureOf(() =>
        checkDeciderProperty(refusedByContract, commands, { ...options, validEvent: contract }),
      ),
    ).toMatch(/zero is not a valid amount/);
    const evolveInPlace = {
      ...decider((c) => [{ type: 'test.added', data: c.data }]),
      evolve: (s: State, e: Event): State => {
        s.seen.push(e.data.n);
        return { total: s.total + e.data.n, seen: s.seen };
      },
    };
    expect(failureOf(() => checkDeciderProperty(evolveInPlace, commands, options))).toMatch(
      /evolve\(test.added\) changed the state it was given/,
    );
  });
});
