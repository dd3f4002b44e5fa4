/**
 * The district's places and their names, as the server's configuration has them
 * (config/district.json, served at /console/places.json by the embedded process and the gateway).
 * Read once when the app loads, before any page renders (a top-level await), so the console shows
 * the same communities, estates and districts as the services accept. The only module that knows
 * where place names come from: pages use `place()` and the lists below through i18n.ts.
 */
interface Place {
  readonly id: string;
  readonly label: string;
  readonly district: string;
}

interface PlacesDocument {
  readonly name: string;
  readonly districts: readonly { id: string; label: string }[];
  readonly communities: readonly Place[];
  readonly estates: readonly Place[];
  readonly riskAreasHeading: string;
}

const EMPTY: PlacesDocument = { name: '', districts: [], communities: [], estates: [], riskAreasHeading: '风险地区' };

async function load(): Promise<PlacesDocument> {
  try {
    const response = await fetch('/console/places.json', { credentials: 'same-origin', cache: 'no-store' });
    if (response.ok) return (await response.json()) as PlacesDocument;
  } catch {
    // No network at load: ids stand in for names until the next load.
  }
  return EMPTY;
}

const places = await load();
const labels = new Map<string, string>([['*', '全部社区'], ...[...places.communities, ...places.estates].map((p) => [p.id, p.label] as [string, string])]);

/** A community's or estate's Chinese name (its id when the configuration does not list it). */
export const place = (id: string | null | undefined) => (id ? (labels.get(id) ?? id) : '—');
export const COMMUNITIES: readonly string[] = places.communities.map((c) => c.id);
export const ESTATES: readonly string[] = places.estates.map((e) => e.id);
/** The daily report's heading for people from the risk areas (湖北籍 in Kutao). */
export const RISK_AREAS_HEADING = places.riskAreasHeading;
