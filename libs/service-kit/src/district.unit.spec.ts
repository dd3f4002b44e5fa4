import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DistrictConfigError,
  SHIPPED_DISTRICT,
  isFromRiskArea,
  loadDistrict,
  parseDistrictConfig,
  placesDocument,
  type DistrictConfig,
} from './district.ts';
import { parseClockTime } from './time.ts';

const dir = mkdtempSync(join(tmpdir(), 'fangyi-district-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const kutao = (): DistrictConfig => structuredClone(SHIPPED_DISTRICT.config);
const refusal = (value: unknown): string => {
  try {
    parseDistrictConfig(value);
  } catch (error) {
    expect(error).toBeInstanceOf(DistrictConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
};

describe('the district configuration', () => {
  it('ships the Kutao district: its communities, estates, districts and names, Hubei, 14 days, 06–12 and 12–21, 37.3 °C', () => {
    const d = SHIPPED_DISTRICT;
    expect(d.communities).toEqual([
      'kutao',
      'moujia',
      'wenzhang',
      'zhengzhang',
      'zhangcun',
      'edinburgh',
      'nanzhang',
    ]);
    expect(d.estates).toEqual(['taoyuanju', 'enma-villas', 'yishan-bancheng-1']);
    expect(d.communityDistricts).toMatchObject({
      zhangcun: 'kutao',
      nanzhang: 'zhangcunhe',
      taoyuanju: 'kutao',
    });
    expect([
      d.placeLabel('zhangcun'),
      d.placeLabel('enma-villas'),
      d.districtLabel('zhangcunhe'),
    ]).toEqual(['张村', '恩马墅园', '张村河']);
    // History may name a place the file no longer lists: it reads as its id.
    expect(d.placeLabel('gone')).toBe('gone');
    expect(isFromRiskArea(d.riskAreas, '湖北', '孝感')).toBe(true);
    expect(isFromRiskArea(d.riskAreas, '山东省', '青岛市')).toBe(false);
    expect(d.quarantinePeriodDays).toBe(14);
    expect(d.slotWindows).toEqual({
      am: { opens: parseClockTime('06:00'), closes: parseClockTime('12:00') },
      pm: { opens: parseClockTime('12:00'), closes: parseClockTime('21:00') },
    });
    expect(d.feverThresholdC).toBe(37.3);
    expect(d.isEstate('taoyuanju') && !d.isCommunity('taoyuanju') && d.isCommunity('kutao')).toBe(
      true,
    );
    expect(placesDocument(d).communities[0]).toEqual({
      id: 'kutao',
      label: '枯桃',
      district: 'kutao',
    });
  });

  it('names the path of every bad field', () => {
    const c = kutao();
    (c.communities[3] as { district: string }).district = 'x';
    expect(refusal(c)).toContain('communities[3].district: unknown district "x"');

    const twice = kutao();
    twice.estates.push({ id: 'zhangcun', label: '重复', district: 'kutao' });
    expect(refusal(twice)).toContain(
      'estates[3].id: "zhangcun" is listed twice among communities and estates',
    );

    const badWindow = { ...kutao(), slotWindows: { am: '12:00-06:00', pm: '12:00-21:00' } };
    expect(refusal(badWindow)).toContain('slotWindows.am: "12:00-06:00" closes before it opens');

    const badArea = {
      ...kutao(),
      riskAreas: { areas: ['湖北省/武汉市/江岸区'], heading: '湖北籍' },
    };
    expect(refusal(badArea)).toContain(
      'riskAreas.areas[0]: "湖北省/武汉市/江岸区" is not like 湖北省 or 湖北省/武汉市',
    );

    const missing: Record<string, unknown> = { ...kutao() };
    delete missing.quarantinePeriodDays;
    expect(refusal({ ...missing, feverThresholdC: 'hot', extra: 1 })).toMatch(
      /quarantinePeriodDays: .*\n.*feverThresholdC: |feverThresholdC: [\s\S]*quarantinePeriodDays: /,
    );
    expect(refusal({ ...kutao(), extra: 1 })).toContain('extra');
  });

  it('is read from FANGYI_CONFIG, the shipped file when unset, with the deprecated variables applied over it', () => {
    const file = join(dir, 'other.json');
    writeFileSync(
      file,
      JSON.stringify({
        ...kutao(),
        name: '青山管区',
        districts: [{ id: 'qingshan', label: '青山' }],
        communities: [{ id: 'hongqi', label: '红旗', district: 'qingshan' }],
        estates: [],
      }),
    );
    expect(loadDistrict({ FANGYI_CONFIG: file }).communities).toEqual(['hongqi']);
    expect(loadDistrict({}).communities).toEqual(SHIPPED_DISTRICT.communities);

    const warnings: string[] = [];
    const d = loadDistrict(
      {
        FANGYI_SLOT_WINDOWS: 'am=00:00-12:00,pm=12:00-23:59',
        FANGYI_RISK_AREAS: '浙江省/温州市',
        FANGYI_DISTRICTS: 'north=zhangcun|newplace',
      },
      (m) => warnings.push(m),
    );
    expect(d.slotWindows.pm.closes).toBe(parseClockTime('23:59'));
    expect(isFromRiskArea(d.riskAreas, '湖北省', '武汉市')).toBe(false);
    expect(isFromRiskArea(d.riskAreas, '浙江省', '温州市')).toBe(true);
    expect(d.communityDistricts).toMatchObject({
      zhangcun: 'north',
      newplace: 'north',
      moujia: 'kutao',
    });
    expect(warnings).toEqual([
      expect.stringContaining(
        'FANGYI_SLOT_WINDOWS, FANGYI_RISK_AREAS, FANGYI_DISTRICTS are deprecated',
      ),
    ]);

    writeFileSync(join(dir, 'bad.json'), '{ "name": ');
    expect(() => loadDistrict({ FANGYI_CONFIG: join(dir, 'bad.json') })).toThrow(/is not JSON/);
    expect(() => loadDistrict({ FANGYI_CONFIG: join(dir, 'absent.json') })).toThrow(
      /cannot read the district configuration/,
    );
  });
});
