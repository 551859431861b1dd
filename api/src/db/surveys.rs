//! Surveys, their answers and activity evaluations.
//!
//! Anonymity lives here as much as in the schema: an anonymous survey's response is written
//! with no account, no time and a random id, its respondent marked in `survey_respondents`
//! apart from it; text answers and comments are read sorted by their text.

use super::{Result, prepared};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::{
    QueryableByName,
    sql_types::{Array, BigInt, Bool, Bytea, Integer, Jsonb, Nullable, Text, Timestamptz},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::{
    ApiError, ErrorCode,
    survey::{
        Answer, NewSurvey, PendingEvaluation, Question, SurveyState, SurveySummary, SurveyTarget,
        TargetKind,
    },
};

/// A survey's row, with its organisation and what its target names.
#[derive(QueryableByName, Debug, Clone)]
pub struct SurveyRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = BigInt)]
    pub organization_id: i64,
    #[diesel(sql_type = Text)]
    pub organization: String,
    #[diesel(sql_type = Array<BigInt>)]
    pub organization_path: Vec<i64>,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub description: String,
    #[diesel(sql_type = Bool)]
    pub anonymous: bool,
    #[diesel(sql_type = Jsonb)]
    pub questions: serde_json::Value,
    #[diesel(sql_type = Timestamptz)]
    pub opens_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub closes_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub target_kind: String,
    #[diesel(sql_type = BigInt)]
    pub target_organization_id: i64,
    #[diesel(sql_type = Text)]
    pub target_organization: String,
    #[diesel(sql_type = Nullable<Integer>)]
    pub target_year: Option<i32>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub target_activity_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub target_activity: Option<String>,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub published_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = BigInt)]
    pub respondents: i64,
    #[diesel(sql_type = BigInt)]
    pub question_count: i64,
}

impl SurveyRow {
    pub fn published(&self) -> bool {
        self.status == "published"
    }

    pub fn state(&self, now: DateTime<Utc>) -> SurveyState {
        SurveyState::at(self.published(), self.opens_at, self.closes_at, now)
    }

    pub fn questions(&self) -> Vec<Question> {
        serde_json::from_value(self.questions.clone()).unwrap_or_default()
    }

    pub fn target(&self) -> SurveyTarget {
        SurveyTarget {
            kind: TargetKind::parse(&self.target_kind).unwrap_or(TargetKind::Organization),
            organization_id: self.target_organization_id,
            year: self.target_year,
            activity_id: self.target_activity_id,
        }
    }

    /// 计算机学院团委 · 2023级, or the activity's title.
    pub fn target_label(&self) -> String {
        match (&self.target_activity, self.target_year) {
            (Some(activity), _) => activity.clone(),
            (None, Some(year)) => format!("{} · {year}级", self.target_organization),
            (None, None) => self.target_organization.clone(),
        }
    }

    pub fn summary(&self, now: DateTime<Utc>, answered: bool) -> SurveySummary {
        SurveySummary {
            id: self.id,
            organization_id: self.organization_id,
            organization: self.organization.clone(),
            title: self.title.clone(),
            anonymous: self.anonymous,
            opens_at: self.opens_at,
            closes_at: self.closes_at,
            target_label: self.target_label(),
            state: self.state(now),
            questions: self.question_count,
            respondents: self.respondents,
            answered,
        }
    }
}

const SURVEY_SELECT: &str = "SELECT s.id, s.organization_id, o.name AS organization,
        o.path AS organization_path, s.title, s.description, s.anonymous, s.questions,
        s.opens_at, s.closes_at, s.target_kind, s.target_organization_id,
        t.name AS target_organization, s.target_year, s.target_activity_id,
        act.title AS target_activity, s.status, s.published_at,
        (SELECT count(*) FROM survey_respondents r WHERE r.survey_id = s.id) AS respondents,
        jsonb_array_length(s.questions)::bigint AS question_count
     FROM surveys s
     JOIN organizations o ON o.id = s.organization_id
     JOIN organizations t ON t.id = s.target_organization_id
     LEFT JOIN activities act ON act.id = s.target_activity_id";

/// Whether the student `a` (joined with `st`, college `c`) is one survey `s` targets: a student
/// of the target subtree (of the intake, if one is named), or a checked-in participant of the
/// activity.
const TARGETED: &str = "a.active AND CASE s.target_kind
        WHEN 'activity' THEN EXISTS (SELECT 1 FROM attendance x
            WHERE x.activity_id = s.target_activity_id AND x.student_id = a.id)
        ELSE c.path @> ARRAY[s.target_organization_id]
            AND (s.target_year IS NULL OR st.enrolment_year = s.target_year)
    END";

pub async fn get(conn: &mut AsyncPgConnection, id: i64) -> Result<Option<SurveyRow>> {
    Ok(prepared::sql(format!("{SURVEY_SELECT} WHERE s.id = $1"))
        .bind::<BigInt, _>(id)
        .load(conn)
        .await?
        .pop())
}

/// Locks the survey for the rest of the transaction (edits, publishing, closing one at a time).
pub async fn lock(conn: &mut AsyncPgConnection, id: i64) -> Result<Option<SurveyRow>> {
    #[derive(QueryableByName)]
    struct Locked {
        #[diesel(sql_type = BigInt)]
        #[allow(dead_code)]
        id: i64,
    }
    let locked: Vec<Locked> = prepared::sql("SELECT id FROM surveys WHERE id = $1 FOR UPDATE")
        .bind::<BigInt, _>(id)
        .load(conn)
        .await?;
    if locked.is_empty() {
        return Ok(None);
    }
    get(conn, id).await
}

/// One page of the surveys of an organisation's subtree, newest first, and how many there are.
pub async fn list(
    conn: &mut AsyncPgConnection,
    within: i64,
    limit: i64,
    offset: i64,
) -> Result<(Vec<SurveyRow>, i64)> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let total: Count = prepared::sql(
        "SELECT count(*) AS n FROM surveys s JOIN organizations o ON o.id = s.organization_id
         WHERE o.path @> ARRAY[$1]::bigint[]",
    )
    .bind::<BigInt, _>(within)
    .get_result(conn)
    .await?;
    let rows = prepared::sql(format!(
        "{SURVEY_SELECT} WHERE o.path @> ARRAY[$1]::bigint[] ORDER BY s.id DESC LIMIT $2 OFFSET $3"
    ))
    .bind::<BigInt, _>(within)
    .bind::<BigInt, _>(limit)
    .bind::<BigInt, _>(offset)
    .load(conn)
    .await?;
    Ok((rows, total.n))
}

/// The published surveys open now (or opening later) that target the student, soonest closing
/// first, each with whether the student has answered.
pub async fn open_for(
    conn: &mut AsyncPgConnection,
    student: i64,
    now: DateTime<Utc>,
) -> Result<Vec<(SurveyRow, bool)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(embed)]
        survey: SurveyRow,
        #[diesel(sql_type = Bool)]
        answered: bool,
    }
    let rows: Vec<Row> = prepared::sql(format!(
        "SELECT q.*, EXISTS (SELECT 1 FROM survey_respondents r
                             WHERE r.survey_id = q.id AND r.account_id = $1) AS answered
         FROM ({SURVEY_SELECT}
               JOIN accounts a ON a.id = $1
               JOIN students st ON st.account_id = a.id
               JOIN organizations c ON c.id = a.organization_id
               WHERE s.status = 'published' AND s.closes_at > $2 AND {TARGETED}) q
         ORDER BY q.closes_at, q.id"
    ))
    .bind::<BigInt, _>(student)
    .bind::<Timestamptz, _>(now)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.survey, r.answered)).collect())
}

/// The student's college and intake if the survey targets them.
pub async fn targeted(
    conn: &mut AsyncPgConnection,
    survey: i64,
    student: i64,
) -> Result<Option<(i64, i32)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        college_id: i64,
        #[diesel(sql_type = Integer)]
        enrolment_year: i32,
    }
    let row: Option<Row> = prepared::sql(format!(
        "SELECT a.organization_id AS college_id, st.enrolment_year
         FROM surveys s
         JOIN accounts a ON a.id = $2
         JOIN students st ON st.account_id = a.id
         JOIN organizations c ON c.id = a.organization_id
         WHERE s.id = $1 AND {TARGETED}"
    ))
    .bind::<BigInt, _>(survey)
    .bind::<BigInt, _>(student)
    .load(conn)
    .await?
    .pop();
    Ok(row.map(|r| (r.college_id, r.enrolment_year)))
}

/// Whether the student has answered.
pub async fn has_answered(conn: &mut AsyncPgConnection, survey: i64, student: i64) -> Result<bool> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Bool)]
        answered: bool,
    }
    let row: Row = prepared::sql(
        "SELECT EXISTS (SELECT 1 FROM survey_respondents
                        WHERE survey_id = $1 AND account_id = $2) AS answered",
    )
    .bind::<BigInt, _>(survey)
    .bind::<BigInt, _>(student)
    .get_result(conn)
    .await?;
    Ok(row.answered)
}

/// Inserts a draft (`id` none) or replaces a draft's content; answers its id.
pub async fn save(
    conn: &mut AsyncPgConnection,
    id: Option<i64>,
    input: &NewSurvey,
    by: i64,
) -> Result<i64> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let questions = serde_json::to_value(&input.questions)
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    let target = &input.target;
    let year = match target.kind {
        TargetKind::Intake => target.year,
        _ => None,
    };
    let activity = match target.kind {
        TargetKind::Activity => target.activity_id,
        _ => None,
    };
    let row: Id =
        match id {
            None => prepared::sql(
                "INSERT INTO surveys (organization_id, title, description, anonymous, questions,
                    opens_at, closes_at, target_kind, target_organization_id, target_year,
                    target_activity_id, created_by, updated_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
            )
            .bind::<BigInt, _>(input.organization_id)
            .bind::<Text, _>(input.title.trim())
            .bind::<Text, _>(input.description.trim())
            .bind::<Bool, _>(input.anonymous)
            .bind::<Jsonb, _>(questions)
            .bind::<Timestamptz, _>(input.opens_at)
            .bind::<Timestamptz, _>(input.closes_at)
            .bind::<Text, _>(target.kind.as_str())
            .bind::<BigInt, _>(target.organization_id)
            .bind::<Nullable<Integer>, _>(year)
            .bind::<Nullable<BigInt>, _>(activity)
            .bind::<BigInt, _>(by)
            .get_result(conn)
            .await?,
            Some(id) => {
                prepared::sql(
                    "UPDATE surveys SET organization_id = $2, title = $3, description = $4,
                    anonymous = $5, questions = $6, opens_at = $7, closes_at = $8,
                    target_kind = $9, target_organization_id = $10, target_year = $11,
                    target_activity_id = $12, updated_by = $13, updated_at = now()
                 WHERE id = $1 AND status = 'draft' RETURNING id",
                )
                .bind::<BigInt, _>(id)
                .bind::<BigInt, _>(input.organization_id)
                .bind::<Text, _>(input.title.trim())
                .bind::<Text, _>(input.description.trim())
                .bind::<Bool, _>(input.anonymous)
                .bind::<Jsonb, _>(questions)
                .bind::<Timestamptz, _>(input.opens_at)
                .bind::<Timestamptz, _>(input.closes_at)
                .bind::<Text, _>(target.kind.as_str())
                .bind::<BigInt, _>(target.organization_id)
                .bind::<Nullable<Integer>, _>(year)
                .bind::<Nullable<BigInt>, _>(activity)
                .bind::<BigInt, _>(by)
                .get_result(conn)
                .await?
            }
        };
    Ok(row.id)
}

/// Publishes a draft and tells each targeted student in a notification; answers how many.
pub async fn publish(
    conn: &mut AsyncPgConnection,
    id: i64,
    by: i64,
    title: &str,
    body: &str,
) -> Result<usize> {
    prepared::sql(
        "UPDATE surveys SET status = 'published', published_at = now(), published_by = $2,
            updated_by = $2, updated_at = now()
         WHERE id = $1 AND status = 'draft'",
    )
    .bind::<BigInt, _>(id)
    .bind::<BigInt, _>(by)
    .execute(conn)
    .await?;
    Ok(prepared::sql(format!(
        "INSERT INTO notifications (account_id, kind, title, body)
         SELECT a.id, 'survey_published', $2, $3
         FROM surveys s
         JOIN accounts a ON a.kind = 'student'
         JOIN students st ON st.account_id = a.id
         JOIN organizations c ON c.id = a.organization_id
         WHERE s.id = $1 AND {TARGETED}"
    ))
    .bind::<BigInt, _>(id)
    .bind::<Text, _>(title)
    .bind::<Text, _>(body)
    .execute(conn)
    .await?)
}

/// Closes a published survey now.
pub async fn close(
    conn: &mut AsyncPgConnection,
    id: i64,
    by: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    prepared::sql(
        "UPDATE surveys SET closes_at = $2, closed_early_at = $2, updated_by = $3,
            updated_at = now()
         WHERE id = $1 AND status = 'published' AND closes_at > $2",
    )
    .bind::<BigInt, _>(id)
    .bind::<Timestamptz, _>(now)
    .bind::<BigInt, _>(by)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes a draft (it has no answers).
pub async fn delete_draft(conn: &mut AsyncPgConnection, id: i64) -> Result<()> {
    prepared::sql("DELETE FROM surveys WHERE id = $1 AND status = 'draft'")
        .bind::<BigInt, _>(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// What [`answer`] did.
pub enum Answered {
    /// The first answer of a named survey.
    Named,
    /// A named survey's answer replaced.
    NamedChanged,
    /// The first answer of an anonymous survey, stored under this edit key's hash.
    Anonymous,
    /// An anonymous answer changed with its edit key.
    AnonymousChanged,
}

/// Stores a student's answers: once per student, whoever asks at the same time (the respondent
/// mark's primary key decides; a second first answer waits for the first and then finds it).
/// A named survey's answer is replaced by account; an anonymous one only with `key_hash` of
/// the edit key (`new_key_hash` is the hash of a fresh key, for a first answer).
#[allow(clippy::too_many_arguments)]
pub async fn answer(
    conn: &mut AsyncPgConnection,
    survey: &SurveyRow,
    student: i64,
    college: i64,
    year: i32,
    answers: &[Answer],
    key_hash: Option<&[u8]>,
    new_key_hash: &[u8],
) -> Result<Answered> {
    let answers = serde_json::to_value(answers)
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    if survey.anonymous {
        if let Some(hash) = key_hash {
            // The respondent's mark must be there too: the key changes only its own answer.
            let changed = prepared::sql(
                "UPDATE survey_responses SET answers = $3
                 WHERE survey_id = $1 AND edit_key_hash = $2
                   AND EXISTS (SELECT 1 FROM survey_respondents
                               WHERE survey_id = $1 AND account_id = $4)",
            )
            .bind::<BigInt, _>(survey.id)
            .bind::<Bytea, _>(hash)
            .bind::<Jsonb, _>(answers)
            .bind::<BigInt, _>(student)
            .execute(conn)
            .await?;
            return if changed == 1 {
                Ok(Answered::AnonymousChanged)
            } else {
                Err(ApiError::invalid("edit_key", "this key changes no answer of yours").into())
            };
        }
        if !mark(conn, survey.id, student).await? {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                "already answered: change the answer with the edit key given at the first answer",
            )
            .into());
        }
        prepared::sql(
            "INSERT INTO survey_responses (id, survey_id, anonymous, edit_key_hash, college_id,
                enrolment_year, answers)
             VALUES ($1, $2, true, $3, $4, $5, $6)",
        )
        .bind::<diesel::sql_types::Uuid, _>(uuid::Uuid::new_v4())
        .bind::<BigInt, _>(survey.id)
        .bind::<Bytea, _>(new_key_hash)
        .bind::<BigInt, _>(college)
        .bind::<Integer, _>(year)
        .bind::<Jsonb, _>(answers)
        .execute(conn)
        .await?;
        return Ok(Answered::Anonymous);
    }
    if mark(conn, survey.id, student).await? {
        prepared::sql(
            "INSERT INTO survey_responses (id, survey_id, anonymous, account_id, answered_at,
                college_id, enrolment_year, answers)
             VALUES ($1, $2, false, $3, now(), $4, $5, $6)",
        )
        .bind::<diesel::sql_types::Uuid, _>(uuid::Uuid::new_v4())
        .bind::<BigInt, _>(survey.id)
        .bind::<BigInt, _>(student)
        .bind::<BigInt, _>(college)
        .bind::<Integer, _>(year)
        .bind::<Jsonb, _>(answers)
        .execute(conn)
        .await?;
        Ok(Answered::Named)
    } else {
        prepared::sql(
            "UPDATE survey_responses SET answers = $3, answered_at = now()
             WHERE survey_id = $1 AND account_id = $2",
        )
        .bind::<BigInt, _>(survey.id)
        .bind::<BigInt, _>(student)
        .bind::<Jsonb, _>(answers)
        .execute(conn)
        .await?;
        Ok(Answered::NamedChanged)
    }
}

/// Marks the student as having answered; false if they already had.
async fn mark(conn: &mut AsyncPgConnection, survey: i64, student: i64) -> Result<bool> {
    Ok(prepared::sql(
        "INSERT INTO survey_respondents (survey_id, account_id) VALUES ($1, $2)
         ON CONFLICT DO NOTHING",
    )
    .bind::<BigInt, _>(survey)
    .bind::<BigInt, _>(student)
    .execute(conn)
    .await?
        == 1)
}

#[derive(QueryableByName)]
struct AnswersRow {
    #[diesel(sql_type = Jsonb)]
    answers: serde_json::Value,
}

fn parse_answers(value: serde_json::Value) -> Vec<Answer> {
    serde_json::from_value(value).unwrap_or_default()
}

/// A named survey's answers of the student.
pub async fn answers_of(
    conn: &mut AsyncPgConnection,
    survey: i64,
    student: i64,
) -> Result<Option<Vec<Answer>>> {
    let row: Option<AnswersRow> = prepared::sql(
        "SELECT answers FROM survey_responses WHERE survey_id = $1 AND account_id = $2",
    )
    .bind::<BigInt, _>(survey)
    .bind::<BigInt, _>(student)
    .load(conn)
    .await?
    .pop();
    Ok(row.map(|r| parse_answers(r.answers)))
}

/// An anonymous survey's answers stored under the edit key's hash.
pub async fn answers_by_key(
    conn: &mut AsyncPgConnection,
    survey: i64,
    key_hash: &[u8],
) -> Result<Option<Vec<Answer>>> {
    let row: Option<AnswersRow> = prepared::sql(
        "SELECT answers FROM survey_responses WHERE survey_id = $1 AND edit_key_hash = $2",
    )
    .bind::<BigInt, _>(survey)
    .bind::<Bytea, _>(key_hash)
    .load(conn)
    .await?
    .pop();
    Ok(row.map(|r| parse_answers(r.answers)))
}

/// Every response of the group (a college, an intake, both or all), in the order of their
/// random ids.
pub async fn responses(
    conn: &mut AsyncPgConnection,
    survey: i64,
    college: Option<i64>,
    year: Option<i32>,
) -> Result<Vec<Vec<Answer>>> {
    let rows: Vec<AnswersRow> = prepared::sql(
        "SELECT answers FROM survey_responses
         WHERE survey_id = $1 AND ($2::bigint IS NULL OR college_id = $2)
           AND ($3::integer IS NULL OR enrolment_year = $3)
         ORDER BY id",
    )
    .bind::<BigInt, _>(survey)
    .bind::<Nullable<BigInt>, _>(college)
    .bind::<Nullable<Integer>, _>(year)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| parse_answers(r.answers)).collect())
}

// ---------------------------------------------------------------------------------------------
// Activity evaluations.

/// The activities the student checked in to that ended within the last `days` days (and not
/// cancelled), each with the student's rating so far; most recent first.
pub async fn pending_evaluations(
    conn: &mut AsyncPgConnection,
    student: i64,
    now: DateTime<Utc>,
    days: i64,
) -> Result<Vec<PendingEvaluation>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        activity_id: i64,
        #[diesel(sql_type = Text)]
        title: String,
        #[diesel(sql_type = Text)]
        organizer: String,
        #[diesel(sql_type = Timestamptz)]
        ends_at: DateTime<Utc>,
        #[diesel(sql_type = Nullable<Integer>)]
        rating: Option<i32>,
        #[diesel(sql_type = Nullable<Text>)]
        comment: Option<String>,
    }
    let rows: Vec<Row> = prepared::sql(
        "SELECT ac.id AS activity_id, ac.title, o.name AS organizer, ac.ends_at,
                e.rating::integer AS rating, e.comment
         FROM attendance x
         JOIN activities ac ON ac.id = x.activity_id
         JOIN organizations o ON o.id = ac.organizer_id
         LEFT JOIN activity_evaluations e ON e.activity_id = ac.id AND e.student_id = x.student_id
         WHERE x.student_id = $1 AND ac.status = 'published'
           AND ac.ends_at <= $2 AND ac.ends_at > $2 - make_interval(days => $3::integer)
         ORDER BY ac.ends_at DESC, ac.id",
    )
    .bind::<BigInt, _>(student)
    .bind::<Timestamptz, _>(now)
    .bind::<BigInt, _>(days)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| PendingEvaluation {
            activity_id: r.activity_id,
            title: r.title,
            organizer: r.organizer,
            until: evaluation_until(r.ends_at, days),
            ends_at: r.ends_at,
            rating: r.rating,
            comment: r.comment,
        })
        .collect())
}

/// The last day (Asia/Shanghai) an activity that ended at `ends_at` may be rated.
pub fn evaluation_until(ends_at: DateTime<Utc>, days: i64) -> NaiveDate {
    let local = ends_at + chrono::Duration::hours(8) + chrono::Duration::days(days);
    local.date_naive()
}

/// Whether the student checked in to the activity, and when it ended.
pub async fn participation(
    conn: &mut AsyncPgConnection,
    activity: i64,
    student: i64,
) -> Result<Option<DateTime<Utc>>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Timestamptz)]
        ends_at: DateTime<Utc>,
    }
    let row: Option<Row> = prepared::sql(
        "SELECT ac.ends_at FROM attendance x JOIN activities ac ON ac.id = x.activity_id
         WHERE x.activity_id = $1 AND x.student_id = $2 AND ac.status = 'published'",
    )
    .bind::<BigInt, _>(activity)
    .bind::<BigInt, _>(student)
    .load(conn)
    .await?
    .pop();
    Ok(row.map(|r| r.ends_at))
}

/// Stores or replaces the student's rating; true when it replaced one.
pub async fn evaluate(
    conn: &mut AsyncPgConnection,
    activity: i64,
    student: i64,
    rating: i32,
    comment: &str,
) -> Result<bool> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Bool)]
        inserted: bool,
    }
    let row: Row = prepared::sql(
        "INSERT INTO activity_evaluations (activity_id, student_id, rating, comment)
         VALUES ($1, $2, $3::smallint, $4)
         ON CONFLICT (activity_id, student_id) DO UPDATE
           SET rating = EXCLUDED.rating, comment = EXCLUDED.comment, updated_at = now()
         RETURNING (xmax = 0) AS inserted",
    )
    .bind::<BigInt, _>(activity)
    .bind::<BigInt, _>(student)
    .bind::<Integer, _>(rating)
    .bind::<Text, _>(comment.trim())
    .get_result(conn)
    .await?;
    Ok(!row.inserted)
}

/// An activity's ratings and non-empty comments (sorted by text), and its checked-in
/// participants.
pub async fn evaluations_of(
    conn: &mut AsyncPgConnection,
    activity: i64,
) -> Result<(Vec<i32>, Vec<String>, i64)> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Integer)]
        rating: i32,
        #[diesel(sql_type = Text)]
        comment: String,
    }
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let rows: Vec<Row> = prepared::sql(
        "SELECT rating::integer AS rating, comment FROM activity_evaluations
         WHERE activity_id = $1 ORDER BY comment, rating",
    )
    .bind::<BigInt, _>(activity)
    .load(conn)
    .await?;
    let participants: Count =
        prepared::sql("SELECT count(*) AS n FROM attendance WHERE activity_id = $1")
            .bind::<BigInt, _>(activity)
            .get_result(conn)
            .await?;
    let ratings = rows.iter().map(|r| r.rating).collect();
    let comments = rows
        .into_iter()
        .map(|r| r.comment)
        .filter(|c| !c.is_empty())
        .collect();
    Ok((ratings, comments, participants.n))
}

/// An activity's organiser path, title, end and whether it is published (not a draft or
/// cancelled).
pub struct ActivityFacts {
    pub organizer_path: Vec<i64>,
    pub title: String,
    pub ends_at: DateTime<Utc>,
    pub published: bool,
}

pub async fn activity(conn: &mut AsyncPgConnection, id: i64) -> Result<Option<ActivityFacts>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Array<BigInt>)]
        path: Vec<i64>,
        #[diesel(sql_type = Text)]
        title: String,
        #[diesel(sql_type = Timestamptz)]
        ends_at: DateTime<Utc>,
        #[diesel(sql_type = Text)]
        status: String,
    }
    let row: Option<Row> = prepared::sql(
        "SELECT o.path, a.title, a.ends_at, a.status
         FROM activities a JOIN organizations o ON o.id = a.organizer_id WHERE a.id = $1",
    )
    .bind::<BigInt, _>(id)
    .load(conn)
    .await?
    .pop();
    Ok(row.map(|r| ActivityFacts {
        organizer_path: r.path,
        title: r.title,
        ends_at: r.ends_at,
        published: r.status == "published",
    }))
}

// ---------------------------------------------------------------------------------------------
// The demo university's survey and evaluations.

/// Whether any survey exists (the demo adds its own only to a school without).
pub async fn any(conn: &mut AsyncPgConnection) -> Result<bool> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Bool)]
        any: bool,
    }
    let row: Row = prepared::sql("SELECT EXISTS (SELECT 1 FROM surveys) AS any")
        .get_result(conn)
        .await?;
    Ok(row.any)
}

/// Answers the demo survey (five questions: single, multiple, stars, NPS, text) for every
/// `one_in`-th targeted student but those named in `spare`, each under an edit key nobody
/// holds; answers how many.
pub async fn seed_answers(
    conn: &mut AsyncPgConnection,
    survey: i64,
    one_in: i64,
    spare: &[&str],
) -> Result<usize> {
    let spare: Vec<String> = spare.iter().map(|s| (*s).to_owned()).collect();
    prepared::sql(format!(
        "INSERT INTO survey_respondents (survey_id, account_id)
         SELECT s.id, a.id FROM surveys s
         JOIN accounts a ON a.kind = 'student'
         JOIN students st ON st.account_id = a.id
         JOIN organizations c ON c.id = a.organization_id
         WHERE s.id = $1 AND a.id % $2 = 0 AND NOT (a.username = ANY($3)) AND {TARGETED}"
    ))
    .bind::<BigInt, _>(survey)
    .bind::<BigInt, _>(one_in)
    .bind::<Array<Text>, _>(&spare)
    .execute(conn)
    .await?;
    Ok(prepared::sql(
        "INSERT INTO survey_responses (id, survey_id, anonymous, edit_key_hash, college_id,
            enrolment_year, answers)
         SELECT gen_random_uuid(), r.survey_id, true,
                sha256(convert_to(gen_random_uuid()::text, 'UTF8')),
                a.organization_id, st.enrolment_year,
                jsonb_build_array(
                    jsonb_build_object('choices', jsonb_build_array(
                        (ARRAY[0, 0, 1, 1, 1, 2, 3])[1 + a.id % 7])),
                    jsonb_build_object('choices', CASE WHEN a.id % 5 = (a.id / 5) % 5
                        THEN jsonb_build_array(a.id % 5)
                        ELSE jsonb_build_array(LEAST(a.id % 5, (a.id / 5) % 5),
                                               GREATEST(a.id % 5, (a.id / 5) % 5)) END),
                    jsonb_build_object('rating', 3 + a.id % 3),
                    jsonb_build_object('rating', 5 + a.id % 6),
                    jsonb_strip_nulls(jsonb_build_object('text', NULLIF((ARRAY['',
                        '希望增加周末场次', '签到很方便', '讲座质量很高', '',
                        '志愿服务时长认定可以更快'])[1 + a.id % 6], ''))))
         FROM survey_respondents r
         JOIN accounts a ON a.id = r.account_id
         JOIN students st ON st.account_id = a.id
         WHERE r.survey_id = $1",
    )
    .bind::<BigInt, _>(survey)
    .execute(conn)
    .await?)
}

/// Ratings of the `activities` most recently ended published activities by half of the
/// students with results there; answers how many.
pub async fn seed_evaluations(conn: &mut AsyncPgConnection, activities: i64) -> Result<usize> {
    Ok(prepared::sql(
        "INSERT INTO activity_evaluations (activity_id, student_id, rating, comment, created_at,
            updated_at)
         SELECT r.activity_id, r.student_id, (3 + (r.student_id + r.activity_id) % 3)::smallint,
                (ARRAY['', '', '收获很大', '组织有序，签到顺畅', '希望时间更灵活'])
                    [1 + r.student_id % 5],
                ac.ends_at + interval '1 day', ac.ends_at + interval '1 day'
         FROM results r JOIN activities ac ON ac.id = r.activity_id
         WHERE r.attended AND r.student_id % 2 = 0 AND r.activity_id IN (
             SELECT id FROM activities WHERE status = 'published' AND ends_at < now()
             ORDER BY ends_at DESC, id LIMIT $1)
         ON CONFLICT DO NOTHING",
    )
    .bind::<BigInt, _>(activities)
    .execute(conn)
    .await?)
}
