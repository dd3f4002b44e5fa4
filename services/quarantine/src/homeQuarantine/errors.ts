import { defineErrors } from '@fangyi/service-kit/errors';

/** Every rule a home quarantine case enforces, with a stable code (409 unless it is a 404). */
export const quarantineErrors = defineErrors({
  CASE_NOT_FOUND: { status: 404, title: 'No home quarantine case with this id' },
  ARRIVAL_ALREADY_ASSESSED: { status: 409, title: 'This arrival has already been assessed' },
  PERSON_NOT_REGISTERED: {
    status: 422,
    title: 'No person with this id is registered with the residents register',
  },
  PERSON_HAS_MOVED_OUT: { status: 409, title: 'This person has moved out of the district' },
  PERSON_IN_OTHER_COMMUNITY: {
    status: 409,
    title: 'This person lives in another community than the one given',
  },
  PERSON_ALREADY_UNDER_QUARANTINE: {
    status: 409,
    title: 'This person already has a running home quarantine case',
  },
  CALLER_NOT_OF_COMMUNITY: { status: 422, title: "Not a follow-up caller of the case's community" },
  CASE_ALREADY_EXISTS: { status: 409, title: 'This home quarantine case has already been started' },
  QUARANTINE_NOT_ACTIVE: {
    status: 409,
    title: 'This home quarantine case has ended; it can only be read',
  },
  CHECK_OUTSIDE_PERIOD: { status: 409, title: 'The check date is outside the quarantine period' },
  CHECK_IN_FUTURE: {
    status: 409,
    title: 'A check cannot be logged for a day that has not come yet',
  },
  SLOT_ALREADY_CHECKED: {
    status: 409,
    title: 'This slot already has a check; send it as a correction to replace it',
  },
  NOTHING_TO_CORRECT: { status: 409, title: 'There is no check in this slot to correct' },
  SLOT_NOT_OPEN_YET: {
    status: 409,
    title:
      "The slot's window has not opened yet: a check for it is taken only from a little before it opens",
  },
  SLOT_STILL_OPEN: {
    status: 409,
    title: "The slot's window has not closed yet, so it cannot be missed",
  },
  MISSED_ALREADY_RECORDED: { status: 409, title: 'This slot is already recorded as missed' },
  CALLER_UNCHANGED: { status: 409, title: 'The case is already assigned to this caller' },
  PERIOD_UNCHANGED: { status: 409, title: 'The period already ends on this date' },
  PERIOD_END_BEFORE_START: { status: 409, title: 'The period cannot end before it starts' },
  PERIOD_END_BEFORE_LAST_CHECK: {
    status: 409,
    title: 'The period cannot end before the last logged check',
  },
  PERIOD_TOO_LONG: { status: 409, title: 'The period would be longer than allowed' },
  ENDED_BEFORE_START: { status: 409, title: 'A case cannot end before it started' },
  ENDED_BEFORE_LAST_CHECK: { status: 409, title: 'A case cannot end before its last logged check' },
  ENDED_IN_FUTURE: { status: 409, title: 'A case cannot end on a day that has not come yet' },
  PERIOD_NOT_COMPLETE: {
    status: 409,
    title:
      'The period has not run its course; change the period first (with a reason) or choose another outcome',
  },
  ESCALATION_NOT_FOUND: { status: 404, title: 'No escalation with this id on this case' },
  ESCALATION_ALREADY_ACKNOWLEDGED: {
    status: 409,
    title: 'This escalation has already been acknowledged',
  },
  ESCALATION_NOT_ACKNOWLEDGED: { status: 409, title: 'Acknowledge the escalation first' },
  ESCALATION_ALREADY_OVERDUE: {
    status: 409,
    title: 'This escalation is already recorded as overdue',
  },
  ESCALATION_NOT_DUE_YET: {
    status: 409,
    title: 'The time allowed to acknowledge this escalation has not run out yet',
  },
  ESCALATION_CLOSED: {
    status: 409,
    title: 'This escalation has already been referred to hospital or resolved',
  },
  BREACH_NOT_OF_CASE: {
    status: 409,
    title: 'The breach names another person than the one under this case',
  },
  BREACH_ALREADY_RECORDED: { status: 409, title: 'This breach is already recorded on the case' },
});
