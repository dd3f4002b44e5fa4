/**
 * The key table beside the events: one data key per subject (a person), kept apart from the events
 * so that deleting it makes that subject's sealed values unreadable wherever the events went. The
 * store holds keys as given (wrapped by the vault with the master key); it never sees a clear one.
 */
export interface PersonalKeyStore {
  /** Stores `key` for the subject unless it has one already; answers the subject's key either way. */
  putIfAbsent(subject: string, key: string): Promise<string>;
  /** The keys of those subjects that have one; a forgotten or unknown subject is absent. */
  get(subjects: readonly string[]): Promise<Map<string, string>>;
  /** Deletes the subject's key; true if there was one. */
  delete(subject: string): Promise<boolean>;
  /** How many keys are held (for readiness and reports). */
  count(): Promise<number>;
  close(): Promise<void>;
}
