import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonalKeyStore } from '@fangyi/eventstore';
import { SealedValueError, createVault, type PersonalDataVault } from '../src/privacy.ts';

export interface OpenedKeys {
  readonly keys: PersonalKeyStore;
  /** A second connection to the same table, as another instance of the service would have. */
  reopen(): Promise<PersonalKeyStore>;
  cleanup(): Promise<void>;
}

const ID = '42010619900315123X';
const PHONE = '13912345678';
let n = 0;
const subject = () => `p-${Date.now().toString(36)}-${n++}`;

/** What every key table under the vault must do, run against each adapter. */
export function personalDataVaultContract(adapter: string, open: () => Promise<OpenedKeys>): void {
  describe(`PersonalDataVault on ${adapter}`, () => {
    let opened: OpenedKeys;
    let vault: PersonalDataVault;
    const master = randomBytes(32);

    beforeAll(async () => {
      opened = await open();
      vault = createVault({ keys: opened.keys, masterKey: master });
    });
    afterAll(async () => {
      await opened?.cleanup();
    });

    it('seals and opens a value; clear history opens as it is', async () => {
      const s = subject();
      const sealed = await vault.seal(s, ID);
      expect(sealed).not.toContain(ID);
      expect(await vault.open(sealed)).toBe(ID);
      expect(await vault.open(PHONE)).toBe(PHONE);
      expect(await vault.has(s)).toBe(true);
    });

    it('keeps one key per subject: every value sealed for a person opens with it, from another instance too', async () => {
      const s = subject();
      const a = await vault.seal(s, ID);
      const b = await vault.seal(s, PHONE);
      const other = await opened.reopen();
      try {
        const elsewhere = createVault({ keys: other, masterKey: master });
        expect(await elsewhere.openAll([a, b, 'clear'])).toEqual([ID, PHONE, 'clear']);
      } finally {
        await other.close();
      }
    });

    it('of concurrent first seals for one subject, all use the one key that won', async () => {
      const s = subject();
      const sealed = await Promise.all(
        Array.from({ length: 8 }, (_, i) => vault.seal(s, `${PHONE.slice(0, -1)}${i}`)),
      );
      expect(await vault.openAll(sealed)).toEqual(
        Array.from({ length: 8 }, (_, i) => `${PHONE.slice(0, -1)}${i}`),
      );
    });

    it('seals stably on request: the same value of a subject alike, any other value or subject not, and forgotten like any other', async () => {
      const s = subject();
      const [a, b, c] = [
        await vault.sealStable(s, ID),
        await vault.sealStable(s, ID),
        await vault.sealStable(s, PHONE),
      ];
      expect(a).toBe(b);
      expect(c).not.toBe(a);
      expect(await vault.sealStable(subject(), ID)).not.toBe(a);
      // A plain seal of the same value still differs each time.
      expect(await vault.seal(s, ID)).not.toBe(await vault.seal(s, ID));
      expect(await vault.openAll([a, c])).toEqual([ID, PHONE]);
      await vault.forget(s);
      expect(await vault.open(a)).toBeNull();
    });

    it('forgets a subject: their values open as null, everyone else is untouched', async () => {
      const gone = subject();
      const kept = subject();
      const [g1, g2, k1] = [
        await vault.seal(gone, ID),
        await vault.seal(gone, PHONE),
        await vault.seal(kept, ID),
      ];
      expect(await vault.forget(gone)).toBe(true);
      expect(await vault.open(g1)).toBeNull();
      expect(await vault.openAll([g1, k1, g2])).toEqual([null, ID, null]);
      expect(await vault.has(gone)).toBe(false);
      expect(await vault.forget(gone)).toBe(false);
    });

    it('stores only wrapped keys: without the master key a copy of the key table opens nothing', async () => {
      const s = subject();
      const sealed = await vault.seal(s, ID);
      const stolen = createVault({ keys: opened.keys, masterKey: randomBytes(32) });
      await expect(stolen.open(sealed)).rejects.toThrow(SealedValueError);
    });

    it('refuses a tampered value rather than answering with something else', async () => {
      const s = subject();
      const sealed = await vault.seal(s, ID);
      const parts = sealed.split(':');
      const ct = Buffer.from(parts[4]!, 'base64url');
      ct[0] = ct[0]! ^ 0xff;
      parts[4] = ct.toString('base64url');
      await expect(vault.open(parts.join(':'))).rejects.toThrow(SealedValueError);
    });
  });
}
