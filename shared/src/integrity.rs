//! The no-show record (诚信记录): a confirmed student who neither checked in nor was excused
//! by the organiser is a no-show once the activity ends; so is one who cancelled after the
//! organiser's cut-off. The school's policy says what a term's no-shows cost.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::ApiError;

/// What no-shows cost, part of the school's check-in policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoShowPolicy {
    /// No-shows in a term from which first-come sign-up is refused (1–50); 0 turns the
    /// consequence off (the record is still kept and shown).
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 50, default = 3))]
    pub threshold: u32,
    /// Days after the latest no-show that sign-up stays refused (1–180).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 180, default = 14))]
    pub block_days: u32,
    /// Whether lotteries draw students at or over the threshold after everyone else.
    pub lottery_last: bool,
}

impl Default for NoShowPolicy {
    fn default() -> Self {
        NoShowPolicy {
            threshold: 3,
            block_days: 14,
            lottery_last: true,
        }
    }
}

impl NoShowPolicy {
    pub fn validate(&self) -> Result<(), ApiError> {
        if self.threshold > 50 {
            return Err(ApiError::invalid("no_shows.threshold", "between 0 and 50"));
        }
        if !(1..=180).contains(&self.block_days) {
            return Err(ApiError::invalid(
                "no_shows.block_days",
                "between 1 and 180 days",
            ));
        }
        Ok(())
    }

    /// Where a student stands with these no-shows of the term (`ended`: when each activity
    /// ended, in any order) at `now`.
    pub fn standing(&self, ended: &[DateTime<Utc>], now: DateTime<Utc>) -> NoShowStanding {
        let count = ended.len() as u32;
        let reached = self.threshold > 0 && count >= self.threshold;
        let blocked_until = ended
            .iter()
            .max()
            .map(|latest| *latest + Duration::days(i64::from(self.block_days)))
            .filter(|until| reached && *until > now);
        NoShowStanding {
            count,
            blocked_until,
            lottery_last: reached && self.lottery_last,
            remaining: (self.threshold > 0 && !reached).then(|| self.threshold - count),
        }
    }
}

/// How a sign-up became a no-show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NoShowKind {
    /// Confirmed, did not check in, not excused.
    Absent,
    /// Cancelled after the organiser's cut-off.
    LateCancel,
}

impl NoShowKind {
    pub fn label_zh(self) -> &'static str {
        match self {
            NoShowKind::Absent => "报名未到",
            NoShowKind::LateCancel => "截止后取消",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            NoShowKind::Absent => "Did not attend",
            NoShowKind::LateCancel => "Cancelled after the cut-off",
        }
    }
}

/// One no-show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoShow {
    pub activity_id: i64,
    pub activity_title: String,
    pub organizer_name: String,
    pub ended_at: DateTime<Utc>,
    pub kind: NoShowKind,
}

/// Where a student stands: [`NoShowPolicy::standing`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoShowStanding {
    /// No-shows this term.
    pub count: u32,
    /// First-come sign-up is refused until then.
    pub blocked_until: Option<DateTime<Utc>>,
    /// Lotteries draw the student after the others.
    pub lottery_last: bool,
    /// No-shows left before the policy applies; none when it applies already or is off.
    pub remaining: Option<u32>,
}

/// `GET /api/me/no-shows`: the student's record this term, the policy and where they stand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoShowRecord {
    /// The term counted (the current one), by name; none between terms (the last 180 days
    /// are counted then).
    pub term: Option<String>,
    pub policy: NoShowPolicy,
    pub standing: NoShowStanding,
    /// Newest first.
    pub items: Vec<NoShow>,
}

/// An organiser's approval of a registered student's absence (准假): never a no-show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Excuse {
    /// Why (1–200 characters), shown to the student.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, example = "校运会集训")
    )]
    pub reason: String,
}

impl Excuse {
    pub fn validate(&self) -> Result<(), ApiError> {
        let n = self.reason.trim().chars().count();
        if n == 0 || n > 200 {
            return Err(ApiError::invalid("reason", "1 to 200 characters"));
        }
        Ok(())
    }
}

/// Whether cancelling at `at` an activity starting at `starts_at` with the organiser's cut-off
/// counts as a no-show.
pub fn is_late_cancel(at: DateTime<Utc>, starts_at: DateTime<Utc>, cutoff_hours: u32) -> bool {
    at > starts_at - Duration::hours(i64::from(cutoff_hours))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32) -> DateTime<Utc> {
        format!("2026-10-{day:02}T10:00:00Z").parse().unwrap()
    }

    #[test]
    fn the_threshold_blocks_for_days_after_the_latest() {
        let policy = NoShowPolicy::default();
        let two = policy.standing(&[at(1), at(5)], at(6));
        assert_eq!(two.count, 2);
        assert_eq!(two.remaining, Some(1));
        assert_eq!(two.blocked_until, None);
        assert!(!two.lottery_last);
        let three = policy.standing(&[at(5), at(1), at(9)], at(10));
        assert_eq!(three.blocked_until, Some(at(23)));
        assert!(three.lottery_last);
        assert_eq!(three.remaining, None);
        // Past the block, sign-up is open again; lotteries still draw them last.
        let later = policy.standing(&[at(5), at(1), at(9)], at(24));
        assert_eq!(later.blocked_until, None);
        assert!(later.lottery_last);
    }

    #[test]
    fn a_zero_threshold_costs_nothing() {
        let policy = NoShowPolicy {
            threshold: 0,
            ..NoShowPolicy::default()
        };
        let s = policy.standing(&[at(1), at(2), at(3), at(4)], at(5));
        assert_eq!(
            (s.count, s.blocked_until, s.lottery_last, s.remaining),
            (4, None, false, None)
        );
    }

    #[test]
    fn the_cut_off_is_hours_before_the_start() {
        let starts = at(10);
        assert!(!is_late_cancel(starts - Duration::hours(25), starts, 24));
        assert!(is_late_cancel(starts - Duration::hours(23), starts, 24));
        assert!(!is_late_cancel(starts - Duration::minutes(1), starts, 0));
    }

    #[test]
    fn policies_out_of_range_are_refused() {
        let bad = NoShowPolicy {
            block_days: 0,
            ..NoShowPolicy::default()
        };
        assert_eq!(
            bad.validate().unwrap_err().field.as_deref(),
            Some("no_shows.block_days")
        );
        assert!(Excuse { reason: " ".into() }.validate().is_err());
    }
}
