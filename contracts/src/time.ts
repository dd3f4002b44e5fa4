/** Where "now" comes from: the system's clock in production, a test clock in tests. */
export type Clock = () => Date;

/**
 * How far a time given for something already done (a check, a crossing, a note) may lie after the
 * server's clock: staff phones and the server disagree by a little, never by more.
 */
export const CLOCK_SKEW_MS = 2 * 60_000;
