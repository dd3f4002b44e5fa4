import { describe, expect, it } from 'vitest';
import { CallerPicker, isFromRiskArea, parseCallers, parseRiskAreas } from './config.ts';

describe('FANGYI_RISK_AREAS', () => {
  it('matches a province by default, with or without 省', () => {
    const areas = parseRiskAreas('湖北省');
    expect(isFromRiskArea(areas, '湖北省', '武汉市')).toBe(true);
    expect(isFromRiskArea(areas, '湖北', '孝感')).toBe(true);
    expect(isFromRiskArea(areas, '山东省', '青岛市')).toBe(false);
  });

  it('matches province/city entries on both', () => {
    const areas = parseRiskAreas('湖北省, 浙江省/温州市');
    expect(isFromRiskArea(areas, '浙江省', '温州市')).toBe(true);
    expect(isFromRiskArea(areas, '浙江省', '杭州市')).toBe(false);
    expect(isFromRiskArea(areas, '湖北省', '')).toBe(true);
  });

  it('refuses a malformed or empty list', () => {
    expect(() => parseRiskAreas('a/b/c')).toThrow(/risk area/);
    expect(() => parseRiskAreas(' , ')).toThrow(/no area/);
  });
});

describe('FANGYI_CALLERS', () => {
  it("reads each community's callers in order", () => {
    const callers = parseCallers(
      'moujia=caller-moujia-1|caller-moujia-2;zhangcun=caller-zhangcun-1',
    );
    expect(callers.get('moujia')).toEqual(['caller-moujia-1', 'caller-moujia-2']);
    expect(callers.get('zhangcun')).toEqual(['caller-zhangcun-1']);
    expect(parseCallers('').size).toBe(0);
  });

  it('refuses a malformed entry or a caller named twice', () => {
    expect(() => parseCallers('moujia')).toThrow(/not like/);
    expect(() => parseCallers('moujia=a|a')).toThrow(/twice/);
    expect(() => parseCallers('moujia=a b')).toThrow(/not valid ids/);
  });
});

describe('CallerPicker: least loaded, ties in round-robin order', () => {
  const callers = parseCallers('moujia=c1|c2|c3');

  it('gives a new case to the caller with the fewest active cases', () => {
    const picker = new CallerPicker(callers);
    expect(
      picker.pick(
        'moujia',
        new Map([
          ['c1', 4],
          ['c2', 1],
          ['c3', 2],
        ]),
      ),
    ).toBe('c2');
  });

  it('goes round the callers when their loads are equal, even when the loads lag behind', () => {
    const picker = new CallerPicker(callers);
    const none = new Map<string, number>();
    expect([1, 2, 3, 4].map(() => picker.pick('moujia', none))).toEqual(['c1', 'c2', 'c3', 'c1']);
  });

  it('breaks a tie with the caller after the last one picked', () => {
    const picker = new CallerPicker(callers);
    expect(
      picker.pick(
        'moujia',
        new Map([
          ['c1', 0],
          ['c2', 3],
          ['c3', 0],
        ]),
      ),
    ).toBe('c1');
    expect(
      picker.pick(
        'moujia',
        new Map([
          ['c1', 1],
          ['c2', 3],
          ['c3', 0],
        ]),
      ),
    ).toBe('c3');
    expect(
      picker.pick(
        'moujia',
        new Map([
          ['c1', 1],
          ['c2', 1],
          ['c3', 1],
        ]),
      ),
    ).toBe('c1');
  });

  it('has no one for a community without callers', () => {
    expect(new CallerPicker(callers).pick('kutao', new Map())).toBeNull();
  });
});
