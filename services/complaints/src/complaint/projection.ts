import { complaintsEvents } from '@fangyi/contracts';
import type { Op, Projection } from '@fangyi/projections';
import { applyToView, type ComplaintView } from './view.ts';

export const COMPLAINTS_COLLECTION = 'complaints';

/**
 * The complaints list: one document per complaint, the same view GET /complaints/:id folds from
 * the stream. Overdue is not stored: it depends on the clock and is computed at query time.
 */
export const complaintsProjection: Projection = {
  name: 'complaints',
  handles: Object.keys(complaintsEvents),
  async project(event, read): Promise<Op[]> {
    const complaintId = (event.data as { complaintId: string }).complaintId;
    const current = event.type === 'complaints.complaint-filed' ? null : await read.get<ComplaintView>(COMPLAINTS_COLLECTION, complaintId);
    const next = applyToView(current, event);
    return next ? [{ op: 'put', collection: COMPLAINTS_COLLECTION, id: complaintId, doc: next }] : [];
  },
};
