//! Back-fill requests (补录申请): asked by an organiser, decided by the organisation above.

use super::Result;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::{
    ErrorCode,
    attendance::{AttendanceRequest, RequestStatus},
    page::PageRequest,
};

use super::schema::{accounts, activities, attendance, attendance_requests, organizations};

type Row = (
    (
        i64,
        i64,
        String,
        String,
        Option<String>,
        String,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
        Option<String>,
    ),
    String,
    String,
    String,
    String,
    String,
    Option<String>,
);

/// Which requests [`list`] reads.
#[derive(Clone, Copy, Debug)]
pub enum Filter {
    /// One request.
    Id(i64),
    /// What waits for this organisation to decide.
    Approver { org: i64, pending: bool },
    /// What activities organised in this organisation's subtree asked.
    AskedWithin { org: i64, pending: bool },
}

/// One page of requests, newest first, and how many there are.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: Filter,
    page: PageRequest,
) -> Result<(Vec<AttendanceRequest>, u64)> {
    let (student, requester, decider) = diesel::alias!(
        accounts as student,
        accounts as requester,
        accounts as decider
    );
    let mut query = attendance_requests::table.into_boxed();
    let pending = match filter {
        Filter::Id(id) => {
            query = query.filter(attendance_requests::id.eq(id));
            false
        }
        Filter::Approver { org, pending } => {
            query = query.filter(attendance_requests::approver_org_id.eq(org));
            pending
        }
        Filter::AskedWithin { org, pending } => {
            let subtree: Vec<i64> = organizations::table
                .filter(organizations::path.contains(vec![org]))
                .select(organizations::id)
                .load(conn)
                .await?;
            let asked: Vec<i64> = activities::table
                .filter(activities::organizer_id.eq_any(&subtree))
                .select(activities::id)
                .load(conn)
                .await?;
            query = query.filter(attendance_requests::activity_id.eq_any(asked));
            pending
        }
    };
    if pending {
        query = query.filter(attendance_requests::status.eq("pending"));
    }
    let ids: Vec<i64> = query
        .order((
            attendance_requests::requested_at.desc(),
            attendance_requests::id.desc(),
        ))
        .select(attendance_requests::id)
        .load(conn)
        .await?;
    let total = ids.len() as u64;
    let page_ids: Vec<i64> = ids
        .into_iter()
        .skip(page.offset() as usize)
        .take(page.limit() as usize)
        .collect();
    let rows: Vec<Row> = attendance_requests::table
        .inner_join(activities::table)
        .inner_join(
            organizations::table.on(organizations::id.eq(attendance_requests::approver_org_id)),
        )
        .inner_join(
            student.on(student
                .field(accounts::id)
                .eq(attendance_requests::student_id)),
        )
        .inner_join(
            requester.on(requester
                .field(accounts::id)
                .eq(attendance_requests::requested_by)),
        )
        .left_join(
            decider.on(decider
                .field(accounts::id)
                .nullable()
                .eq(attendance_requests::decided_by)),
        )
        .filter(attendance_requests::id.eq_any(&page_ids))
        .order((
            attendance_requests::requested_at.desc(),
            attendance_requests::id.desc(),
        ))
        .select((
            (
                attendance_requests::id,
                attendance_requests::activity_id,
                attendance_requests::reason,
                attendance_requests::status,
                attendance_requests::evidence,
                activities::title,
                attendance_requests::requested_at,
                attendance_requests::decided_at,
                attendance_requests::decision_note,
            ),
            student.field(accounts::username),
            student.field(accounts::display_name),
            organizations::name,
            requester.field(accounts::display_name),
            activities::category,
            decider.field(accounts::display_name).nullable(),
        ))
        .load(conn)
        .await?;
    let items = rows
        .into_iter()
        .map(
            |(
                (
                    id,
                    activity_id,
                    reason,
                    status,
                    evidence,
                    activity_title,
                    requested_at,
                    decided_at,
                    decision_note,
                ),
                student_no,
                student_name,
                approver,
                requested_by,
                _,
                decided_by,
            )| {
                AttendanceRequest {
                    id,
                    activity_id,
                    activity_title,
                    student_no,
                    student_name,
                    reason,
                    evidence,
                    status: match status.as_str() {
                        "approved" => RequestStatus::Approved,
                        "rejected" => RequestStatus::Rejected,
                        _ => RequestStatus::Pending,
                    },
                    approver_organization: approver,
                    requested_by,
                    requested_at,
                    decided_by,
                    decided_at,
                    decision_note,
                }
            },
        )
        .collect();
    Ok((items, total))
}

/// Whether the student has an attendance record for the activity.
pub async fn is_checked_in(
    conn: &mut AsyncPgConnection,
    activity: i64,
    student: i64,
) -> Result<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        attendance::table
            .filter(attendance::activity_id.eq(activity))
            .filter(attendance::student_id.eq(student)),
    ))
    .get_result(conn)
    .await?)
}

/// A request to file.
pub struct NewRequest<'a> {
    pub activity_id: i64,
    pub student_id: i64,
    pub reason: &'a str,
    pub evidence: Option<&'a str>,
    pub approver_org_id: i64,
    pub requested_by: i64,
}

/// Files a request; refused (409) while one for the student is pending.
pub async fn insert(conn: &mut AsyncPgConnection, new: &NewRequest<'_>) -> Result<i64> {
    diesel::insert_into(attendance_requests::table)
        .values((
            attendance_requests::activity_id.eq(new.activity_id),
            attendance_requests::student_id.eq(new.student_id),
            attendance_requests::reason.eq(new.reason),
            attendance_requests::evidence.eq(new.evidence),
            attendance_requests::approver_org_id.eq(new.approver_org_id),
            attendance_requests::requested_by.eq(new.requested_by),
        ))
        .returning(attendance_requests::id)
        .get_result(conn)
        .await
        .map_err(|e| match e {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => super::Error::refused(
                ErrorCode::Conflict,
                "a request for this student is already pending",
            ),
            other => other.into(),
        })
}

/// A request as its decision needs it, locked until the transaction ends.
pub struct Locked {
    pub activity_id: i64,
    pub student_id: i64,
    pub approver_org_id: i64,
    pub status: String,
    pub organizer_id: i64,
    pub requested_by: i64,
}

/// Locks the request (`FOR UPDATE`) and reads it.
pub async fn lock(conn: &mut AsyncPgConnection, id: i64) -> Result<Option<Locked>> {
    let found: Option<(i64, i64, i64, String, i64, i64)> = attendance_requests::table
        .inner_join(activities::table)
        .filter(attendance_requests::id.eq(id))
        .select((
            attendance_requests::activity_id,
            attendance_requests::student_id,
            attendance_requests::approver_org_id,
            attendance_requests::status,
            activities::organizer_id,
            attendance_requests::requested_by,
        ))
        .for_update()
        .first(conn)
        .await
        .optional()?;
    Ok(found.map(
        |(activity_id, student_id, approver_org_id, status, organizer_id, requested_by)| Locked {
            activity_id,
            student_id,
            approver_org_id,
            status,
            organizer_id,
            requested_by,
        },
    ))
}

/// Records the decision (`approved` or `rejected`) by `by` with its note.
pub async fn decide(
    conn: &mut AsyncPgConnection,
    id: i64,
    outcome: &str,
    by: i64,
    note: Option<&str>,
) -> Result<()> {
    diesel::update(attendance_requests::table.find(id))
        .set((
            attendance_requests::status.eq(outcome),
            attendance_requests::decided_by.eq(by),
            attendance_requests::decided_at.eq(diesel::dsl::now),
            attendance_requests::decision_note.eq(note),
        ))
        .execute(conn)
        .await?;
    Ok(())
}
