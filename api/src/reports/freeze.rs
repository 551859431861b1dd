//! The scheduled freeze of the monthly reports: at 00:00 on the 28th (Asia/Shanghai) each
//! college's figures for the month are computed and stored. The job runs at start-up and every
//! few minutes after; it catches up the months missed while the server was down (up to a year),
//! and never runs twice for a month, whatever the number of API processes: the month's row in
//! `scheduled_runs` is inserted in the transaction that stores the reports, so a second process
//! waits for it and then finds the month done.

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;
use shared::insight::Month;

use crate::{
    AppState,
    db::{self, insight::Span, reports::NewReport},
    error::AppError,
};

/// The job's name in `scheduled_runs`.
pub const JOB: &str = "monthly_reports";

/// The school the reports belong to (one per installation for now; every row carries it).
pub const SCHOOL: i16 = 1;

/// How often the job looks for a month to freeze and reports to mail.
pub const EVERY: std::time::Duration = std::time::Duration::from_secs(300);

/// The most months caught up at once.
const CATCH_UP: usize = 12;

/// When a month's report is due: the end of its 28th, local time.
pub fn due_at(month: Month) -> DateTime<Utc> {
    Span::days(month.report_day(), month.report_day()).ends
}

/// The months to freeze at `now`: from the one after the last frozen (or, the first time, the
/// latest due alone) to the latest due, at most [`CATCH_UP`] of them.
pub fn months_due(last: Option<Month>, now: DateTime<Utc>) -> Vec<Month> {
    let today = now.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let latest = Month::latest_due(today);
    let mut month = match last {
        Some(last) if last >= latest => return Vec::new(),
        Some(last) => last.next(),
        None => latest,
    };
    let mut months = Vec::new();
    while month <= latest {
        months.push(month);
        month = month.next();
    }
    let skip = months.len().saturating_sub(CATCH_UP);
    months.split_off(skip)
}

/// Freezes every month due at `now` that is not frozen yet; answers those this call froze.
pub async fn run(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> Result<Vec<Month>, AppError> {
    let last = db::reports::last_run(conn, JOB, SCHOOL)
        .await?
        .and_then(|p| Month::parse(&p));
    let mut frozen = Vec::new();
    for month in months_due(last, now) {
        if freeze(conn, month, now).await? {
            frozen.push(month);
        }
    }
    Ok(frozen)
}

/// Freezes one month's reports for every college, unless it was frozen before; true if this
/// call did it.
pub async fn freeze(
    conn: &mut AsyncPgConnection,
    month: Month,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    conn.transaction::<_, AppError, _>(async |conn| {
        let colleges = db::reports::colleges(conn).await?;
        let detail = json!({ "colleges": colleges.len(), "at": now });
        if !db::reports::claim_run(conn, JOB, SCHOOL, &month.to_string(), &detail).await? {
            return Ok(false);
        }
        let (from, to) = month.period();
        let span = Span::days(from, to);
        for college in &colleges {
            let content =
                super::super::insight::figures::monthly(conn, college.id, span, now).await?;
            let content = serde_json::to_value(&content)
                .map_err(|e| AppError::Internal(format!("cannot store a report: {e}")))?;
            db::reports::insert(
                conn,
                &NewReport {
                    school_id: SCHOOL,
                    organization_id: college.id,
                    month: month.first_day(),
                    period_from: from,
                    period_to: to,
                    due_at: due_at(month),
                    frozen_at: now,
                    content: &content,
                },
            )
            .await?;
        }
        tracing::info!(%month, colleges = colleges.len(), "monthly reports frozen");
        Ok(true)
    })
    .await
}

/// Runs the job now and then every [`EVERY`] for as long as the server runs: freezes what is
/// due, then mails the colleges whose new report has not been sent (when SMTP is configured).
pub fn start(state: std::sync::Arc<AppState>) {
    tokio::spawn(async move {
        loop {
            if let Err(error) = once(&state).await {
                tracing::warn!(%error, "the monthly report job failed; it runs again later");
            }
            tokio::time::sleep(EVERY).await;
        }
    });
}

async fn once(state: &AppState) -> Result<(), AppError> {
    let mut conn = state.db.conn().await?;
    run(&mut conn, Utc::now()).await?;
    if let Some(mailer) = &state.mailer {
        super::mail::send_due(&mut conn, mailer, &state.settings.server.public_url).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn the_first_run_freezes_the_latest_due_month_alone() {
        // 2026-12-03 in Shanghai: November is the latest due.
        assert_eq!(
            months_due(None, at("2026-12-03T02:00:00Z")),
            vec![Month::new(2026, 11).unwrap()]
        );
        // 00:30 on the 28th in Shanghai is still the 27th in UTC.
        assert_eq!(
            months_due(None, at("2026-12-27T16:30:00Z")),
            vec![Month::new(2026, 12).unwrap()]
        );
    }

    #[test]
    fn later_runs_catch_up_and_never_repeat() {
        let sept = Month::new(2026, 9).unwrap();
        assert_eq!(
            months_due(Some(sept), at("2026-12-03T02:00:00Z")),
            vec![Month::new(2026, 10).unwrap(), Month::new(2026, 11).unwrap()]
        );
        assert!(
            months_due(
                Some(Month::new(2026, 11).unwrap()),
                at("2026-12-03T02:00:00Z")
            )
            .is_empty()
        );
        let long_ago = Month::new(2020, 1).unwrap();
        let months = months_due(Some(long_ago), at("2026-12-03T02:00:00Z"));
        assert_eq!(months.len(), CATCH_UP);
        assert_eq!(months.last(), Some(&Month::new(2026, 11).unwrap()));
    }

    #[test]
    fn a_report_is_due_by_the_end_of_the_28th() {
        assert_eq!(
            due_at(Month::new(2026, 11).unwrap()),
            at("2026-11-28T16:00:00Z")
        );
    }
}
