/**
 * The approvals mailbox as the protocol sees it, computed in one place from the settings: the
 * address approvers reply to, the domain of our Message-IDs, the addresses whose mail is our
 * own (never a decision), and which proofs of a sender its servers give.
 */
import { authservIdsOf } from '../../../shared/contracts/settings';
import { isMicrosoftHost, type SenderTrust } from '../mail';
import type { Effective } from '../settings/model';

/** Which proofs of the sender the mailbox's servers give, and whether one is required. */
export interface ReplyTrust {
  trust: SenderTrust;
  requireProof: boolean;
}

export interface ApprovalMailbox {
  /** Reply-To of the requests: the IMAP account, else the From address; '' when neither */
  address: string;
  /** the right-hand side of our Message-IDs */
  domain: string;
  /** mail from these is our own (a loop, a copy of a notification): never a decision */
  own: string[];
  trust: ReplyTrust;
}

/**
 * Read from the IMAP settings. A Microsoft 365 mailbox is always behind Exchange's header
 * firewall, so its AuthAs header counts without the box ticked; Exchange Server needs the box.
 */
export function replyTrust(imap: Effective<'imap'>): ReplyTrust {
  return {
    trust: {
      authservIds: authservIdsOf(imap.authservId),
      exchange: imap.exchangeHeaders || isMicrosoftHost(imap.host),
    },
    requireProof: imap.senderCheck !== 'from-header',
  };
}

export function approvalMailbox(smtp: Effective<'smtp'>, imap: Effective<'imap'>): ApprovalMailbox {
  const address = imap.username || smtp.fromAddress || '';
  return {
    address,
    domain: (smtp.fromAddress || address).split('@').pop() || 'strapi.local',
    own: [imap.username, smtp.fromAddress].filter((a): a is string => !!a),
    trust: replyTrust(imap),
  };
}
