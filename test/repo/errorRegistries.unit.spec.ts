import { describe, expect, it } from 'vitest';
import { checkpointsErrors } from '@fangyi/checkpoints';
import { complaintsErrors } from '@fangyi/complaints';
import { quarantineErrors } from '@fangyi/quarantine';
import { residentsErrors } from '@fangyi/residents';
import { COMMON_ERRORS, mergeErrors } from '@fangyi/service-kit';

/**
 * The embedded start serves every service's routes from one app, so their registries merge there:
 * a code two services both define would stop it at start. This finds that before anyone starts it.
 */
describe('the services’ error registries', () => {
  it('merge with the kit’s common codes and each other without a code defined twice', () => {
    const all = mergeErrors(
      COMMON_ERRORS,
      quarantineErrors,
      residentsErrors,
      checkpointsErrors,
      complaintsErrors,
    );
    expect(Object.keys(all).length).toBe(
      [
        COMMON_ERRORS,
        quarantineErrors,
        residentsErrors,
        checkpointsErrors,
        complaintsErrors,
      ].reduce((n, r) => n + Object.keys(r).length, 0),
    );
  });

  it('give every code an HTTP error status and a title', () => {
    for (const registry of [
      COMMON_ERRORS,
      quarantineErrors,
      residentsErrors,
      checkpointsErrors,
      complaintsErrors,
    ]) {
      for (const [code, { status, title }] of Object.entries(registry)) {
        expect(code).toMatch(/^[A-Z][A-Z0-9_]+$/);
        expect(status, code).toBeGreaterThanOrEqual(400);
        expect(status, code).toBeLessThan(600);
        expect(title.length, code).toBeGreaterThan(0);
      }
    }
  });
});
