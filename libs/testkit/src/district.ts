import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHIPPED_DISTRICT, parseDistrictConfig, type DistrictConfig } from '@fangyi/service-kit';

/** Check windows open all day, so a test's checks are taken and nothing is overdue whatever the hour it runs. */
export const ALL_DAY_SLOT_WINDOWS: DistrictConfig['slotWindows'] = {
  am: '00:00-24:00',
  pm: '00:00-24:00',
};

/**
 * A district file for a process a test starts (its FANGYI_CONFIG): the shipped Kutao district with
 * the fields given replaced, validated as the process will validate it, in a fresh temporary folder.
 */
export function districtFile(overrides: Partial<DistrictConfig>): string {
  const config = parseDistrictConfig(
    { ...SHIPPED_DISTRICT.config, ...overrides },
    'test district configuration',
  );
  const path = join(mkdtempSync(join(tmpdir(), 'fangyi-district-')), 'district.json');
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}
