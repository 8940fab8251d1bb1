"""Case services (writes). Each ``do_*`` is one durable transaction that checks the actor's
capability and region, locks the case, checks the expected version and the transition
(``doudi.cases.workflow``), and records the step on the case timeline and in the audit trail.

Pages and API views call these and nothing else; reads are in ``doudi.cases.selectors``.
"""

from doudi.cases.services.attachments import do_add_attachment
from doudi.cases.services.common import lock_case
from doudi.cases.services.decision import do_confirm_case, do_record_refusal_notice
from doudi.cases.services.due import do_run_due_tasks
from doudi.cases.services.enrolment import do_enrol, do_resume_enrolment, do_suspend_enrolment
from doudi.cases.services.intake import (
    CHANGE_KINDS,
    do_accept_application,
    do_check_relative,
    do_create_referral,
    do_declare_relative,
    do_open_application,
    do_record_missing_materials,
    do_record_referral_outcome,
    do_report_change,
    do_withdraw_case,
)
from doudi.cases.services.investigation import (
    SURVEY_METHODS,
    do_countersign_survey,
    do_record_community_review,
    do_record_survey,
    do_record_verification,
)
from doudi.cases.services.notice import (
    do_close_ended_notices,
    do_record_objection,
    do_resolve_objection,
    do_start_public_notice,
)
from doudi.cases.services.reviews import do_complete_review, do_schedule_reviews
from doudi.cases.services.temporary import do_complete_paperwork, do_decide_fast_grant

__all__ = [
    "CHANGE_KINDS",
    "SURVEY_METHODS",
    "do_accept_application",
    "do_add_attachment",
    "do_check_relative",
    "do_close_ended_notices",
    "do_complete_paperwork",
    "do_complete_review",
    "do_confirm_case",
    "do_countersign_survey",
    "do_create_referral",
    "do_decide_fast_grant",
    "do_declare_relative",
    "do_enrol",
    "do_open_application",
    "do_record_community_review",
    "do_record_missing_materials",
    "do_record_objection",
    "do_record_referral_outcome",
    "do_record_refusal_notice",
    "do_record_survey",
    "do_record_verification",
    "do_report_change",
    "do_resolve_objection",
    "do_resume_enrolment",
    "do_run_due_tasks",
    "do_schedule_reviews",
    "do_start_public_notice",
    "do_suspend_enrolment",
    "do_withdraw_case",
    "lock_case",
]
