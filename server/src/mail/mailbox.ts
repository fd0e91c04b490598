/**
 * What the approvals job needs of a mailbox, whatever carries it: IMAP (imap/reader.ts) or
 * Microsoft Graph (graph/reader.ts). The job reads the oldest messages still in the folder,
 * records them, then moves them out, so the folder itself is the list of work left.
 */

export interface FetchedMessage {
  /**
   * The message's number for `move`: its IMAP UID, or, over Graph, a number the reader gives
   * it for this connection (Graph ids are strings; `ref` holds it).
   */
  uid: number;
  /** the transport's own id when it is not a UID (a Graph message id) */
  ref?: string;
  /** the raw MIME; empty when the message was too large to read (`size` says how large) */
  source: Buffer;
  size: number;
  /**
   * A message too large to read: its Message-ID as the server gives it (IMAP's envelope,
   * Graph's internetMessageId), the key it is recorded under.
   */
  messageId?: string;
}

export interface MailboxReader {
  /**
   * Connects and opens the folder. `uidValidity` changes when the folder's ids reset (IMAP's
   * UIDVALIDITY; over Graph, the folder's id).
   */
  open(): Promise<{ uidValidity: string; exists: number }>;
  /**
   * The oldest messages still in the folder, left unread: at most `limit`, and no more than
   * `batchBytes` together (always at least one); a message over `maxBytes` comes without its
   * content.
   */
  fetchBatch(limit: number, maxBytes: number, batchBytes?: number): Promise<FetchedMessage[]>;
  /** Moves messages to a folder, creating the folder when it does not exist yet. */
  move(uids: number | number[], folder: string): Promise<void>;
  /**
   * Resolves true when new mail is there, false when `ms` passed, the reader closed or
   * `signal` aborted (the settings changed: the caller reconnects).
   */
  waitForMail(ms: number, signal?: AbortSignal): Promise<boolean>;
  readonly usable: boolean;
  close(): Promise<void>;
}
