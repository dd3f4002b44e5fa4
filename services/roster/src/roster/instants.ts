import type { Slot } from '@fangyi/contracts';
import { instantAt, type SlotWindows } from '@fangyi/service-kit';

/**
 * `instantAt` kept: a page of the roster or the worklist asks when each person's two slots open
 * and close, the same few dates for everyone, and each answer costs Intl's time zone arithmetic
 * (several calls of formatToParts): uncached it was the largest part of a page's CPU.
 */
const known = new Map<string, number>();

export function instantMs(date: string, minutes: number, timeZone: string): number {
  const key = `${date}|${minutes}|${timeZone}`;
  let ms = known.get(key);
  if (ms === undefined) {
    if (known.size >= 10_000) known.clear();
    known.set(key, (ms = instantAt(date, minutes, timeZone).getTime()));
  }
  return ms;
}

export const slotOpensMs = (date: string, slot: Slot, timeZone: string, windows: SlotWindows) =>
  instantMs(date, windows[slot].opens, timeZone);
export const slotClosesMs = (date: string, slot: Slot, timeZone: string, windows: SlotWindows) =>
  instantMs(date, windows[slot].closes, timeZone);
