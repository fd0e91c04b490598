/**
 * The shapes the approval protocol works on, at home beside its rules: a request as the
 * database holds it, and the admin user a decision is recorded as.
 */
import type { ApprovalDecision } from '../../../shared/contracts/approval';

/** A row of plugin::mail-server.approval (services/approvals.ts reads and writes it). */
export interface ApprovalRow {
  id: number;
  targetUid: string;
  targetDocumentId: string;
  targetLocale: string | null;
  title: string;
  action: string;
  approvers: string[];
  policy: 'any' | 'all';
  status: 'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled';
  expiresAt: string | null;
  note: string | null;
  requestedBy: { id?: number; email?: string } | null;
  entryVersion: string | null;
  decisions: ApprovalDecision[] | null;
  decidedAt: string | null;
  /** when the approvers who had not answered were reminded (once, before the expiry) */
  remindedAt?: string | null;
  createdAt?: string;
}

/** An admin user, as a decision records who decided. */
export type AdminUser = { id: number; email: string };
