/**
 * The district's places and their names, as the server's configuration has them
 * (config/district.json, served at /console/places.json by the embedded process and the gateway),
 * so the console shows the same communities, estates and districts the services accept. Fetched
 * once when the app loads, beside the session check; the app renders its pages only once both are
 * in (`placesReady`). The only module that knows where place names come from: pages use `place()`
 * and the lists below through i18n.ts.
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

interface Loaded {
  readonly document: PlacesDocument;
  readonly labels: ReadonlyMap<string, string>;
}

const EMPTY: PlacesDocument = {
  name: '',
  districts: [],
  communities: [],
  estates: [],
  riskAreasHeading: '风险地区',
};

const loaded = (document: PlacesDocument): Loaded => ({
  document,
  labels: new Map([
    ['*', '全部社区'],
    ...[...document.communities, ...document.estates].map(
      (p) => [p.id, p.label] as [string, string],
    ),
  ]),
});

// Set once, when the document arrives (before any page renders); ids stand in for names until then.
let current: Loaded = loaded(EMPTY);

/** Resolves once the names are in (or could not be fetched: then ids stand in for names until the next load). */
export const placesReady: Promise<void> = fetch('/console/places.json', {
  credentials: 'same-origin',
  cache: 'no-store',
})
  .then(async (response) => {
    if (response.ok) current = loaded((await response.json()) as PlacesDocument);
  })
  .catch(() => {});

/** A community's or estate's Chinese name (its id when the configuration does not list it). */
export const place = (id: string | null | undefined) => (id ? (current.labels.get(id) ?? id) : '—');
export const communityIds = (): readonly string[] => current.document.communities.map((c) => c.id);
export const estateIds = (): readonly string[] => current.document.estates.map((e) => e.id);
/** The daily report's heading for people from the risk areas (湖北籍 in Kutao). */
export const riskAreasHeading = (): string => current.document.riskAreasHeading;
