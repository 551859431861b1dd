//! Guidance (精准育人): which open activities close a student's gap to the graduation
//! requirement, and what each would bring under the rules in force. Pure, so the server ranks
//! and the web app shows exactly the same points the ledger would grant a plain participant.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::{cmp::Reverse, collections::BTreeMap};

use crate::{
    activity::{CreditLevel, Eligibility, EnrolmentMode, StudentFacts},
    attendance::{ParticipantRole, ResultInput},
    rules::{self, Fact, Points, Progress, RuleSet},
};

/// Most suggestions a student is shown.
pub const LIMIT: usize = 6;

/// The category code of the requirement's row over all categories.
pub const TOTAL: &str = "total";

/// What a student still misses in one row of the requirement (a category, or `total`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Gap {
    /// The category code, or `total` for the requirement over all categories.
    pub category: String,
    /// The category's name (`志愿服务`), or `总分` for `total`.
    pub category_name: String,
    /// Points still missing (0 when only hours are).
    pub points: Points,
    /// Hours still missing (0 when only points are).
    pub hours: f64,
}

/// Why an activity is suggested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// It counts toward a category the student is short of.
    Category,
    /// It counts toward the total the student is short of.
    Total,
    /// A category the student has taken part in before.
    Interest,
    /// Open for sign-up and soon.
    Soon,
}

/// One suggested activity, with what it brings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suggestion {
    pub activity_id: i64,
    pub title: String,
    pub category: String,
    pub category_name: String,
    pub credit_level: CreditLevel,
    pub starts_at: DateTime<Utc>,
    pub registration_closes_at: DateTime<Utc>,
    /// Places not yet confirmed; none: no limit.
    pub places_left: Option<u32>,
    /// Full, so a sign-up goes onto the waitlist.
    pub waitlist: bool,
    /// Points a plain participant is granted, after this term's caps as they stand.
    pub points: Points,
    /// Hours counted (service and practice).
    pub hours: f64,
    /// How many of the missing points it closes (in its category where that is short, else in
    /// the total); 0 for a student who meets the requirement.
    pub closes: Points,
    /// How many of the missing hours it closes.
    pub closes_hours: f64,
    pub reason: Reason,
}

/// `GET /api/me/suggestions`, `GET /api/students/{id}/suggestions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suggestions {
    /// The student falls short of their degree's requirement.
    pub behind: bool,
    /// The unmet rows, per category first, `total` last (empty when not behind).
    pub gap: Vec<Gap>,
    /// Best first, at most [`LIMIT`].
    pub items: Vec<Suggestion>,
}

/// `POST /api/students/{id}/reminders`: the notification sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reminder {
    pub student_id: i64,
    pub title: String,
    pub body: String,
    /// The activities the body names (up to three).
    pub activity_ids: Vec<i64>,
}

/// An activity open for sign-up, as the ranking looks at it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub activity_id: i64,
    pub title: String,
    pub category: String,
    pub category_name: String,
    pub credit_level: CreditLevel,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub registration_closes_at: DateTime<Utc>,
    pub capacity: Option<u32>,
    pub confirmed: u32,
    pub enrolment_mode: EnrolmentMode,
    pub eligibility: Eligibility,
    /// The student already holds a sign-up (confirmed, waitlisted or pending).
    pub registered: bool,
}

/// Everything the ranking needs of the student.
#[derive(Debug, Clone, PartialEq)]
pub struct Student {
    pub facts: StudentFacts,
    /// The requirement's rows ([`rules::progress`]).
    pub progress: Vec<Progress>,
    /// Points already counted this term per category (for the caps).
    pub this_term: BTreeMap<String, Points>,
    /// How many recognised facts the student has per category (their interests).
    pub history: BTreeMap<String, u32>,
    /// Category names by code.
    pub names: BTreeMap<String, String>,
}

/// The unmet rows of the requirement, as what is missing.
pub fn gap(progress: &[Progress], names: &BTreeMap<String, String>) -> Vec<Gap> {
    progress
        .iter()
        .filter(|row| !row.met)
        .map(|row| Gap {
            category: row.category.clone(),
            category_name: if row.category == TOTAL {
                "总分".to_owned()
            } else {
                names
                    .get(&row.category)
                    .cloned()
                    .unwrap_or_else(|| row.category.clone())
            },
            points: Points((row.required.0 - row.earned.0).max(0)),
            hours: round2((row.required_hours - row.earned_hours).max(0.0)),
        })
        .collect()
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// What taking part as a plain participant would bring, before caps: the result the organiser
/// records for someone who attended (hours from start to end where the category counts hours,
/// as check-in to check-out does), evaluated by the same [`rules::result_kind`] and
/// [`rules::raw_points`] the ledger uses.
pub fn expected(
    rules: &RuleSet,
    category: &str,
    credit_level: CreditLevel,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
) -> (Points, f64) {
    let hourly = rules.category(category).is_some_and(|c| c.per_hour.0 > 0);
    let hours = round2((ends_at - starts_at).num_minutes().max(0) as f64 / 60.0);
    let input = ResultInput {
        student_no: String::new(),
        attended: true,
        hours: hourly.then_some(hours),
        role: Some(ParticipantRole::Participant),
        award: None,
        award_level: None,
        note: None,
        achievement: None,
        backfill_reason: None,
    };
    let Some(kind) = rules::result_kind(rules, category, credit_level, &input) else {
        return (Points::ZERO, 0.0);
    };
    let fact = Fact {
        id: "suggestion".to_owned(),
        category: category.to_owned(),
        achievement: None,
        kind,
    };
    rules::raw_points(rules, &fact)
}

/// Points after what this term's category cap and total cap still leave.
fn within_caps(
    rules: &RuleSet,
    category: &str,
    this_term: &BTreeMap<String, Points>,
    raw: Points,
) -> Points {
    let used = this_term.get(category).copied().unwrap_or_default();
    let total: i64 = this_term.values().map(|p| p.0).sum();
    let mut points = raw;
    if let Some(cap) = rules.category(category).and_then(|c| c.cap_per_term) {
        points = points.min(Points((cap.0 - used.0).max(0)));
    }
    if let Some(cap) = rules.cap_per_term {
        points = points.min(Points((cap.0 - total).max(0)));
    }
    points
}

/// Whether the student may sign up and find a place (or a waitlist): not signed up already,
/// eligible, and not full where no waitlist takes the overflow (review mode; first come waits).
pub fn is_open_to(candidate: &Candidate, facts: StudentFacts) -> bool {
    let full = candidate.capacity.is_some_and(|c| candidate.confirmed >= c);
    !candidate.registered
        && candidate.eligibility.check(facts).is_empty()
        && !(full && candidate.enrolment_mode == EnrolmentMode::Review)
}

/// How a suggestion ranks, best first: the share of the category gap it closes, the share of
/// the total, how often the student took part in its category.
type RankKey = (Reverse<u64>, Reverse<u64>, Reverse<u32>);

/// The suggestions for a student, best first, at most `limit`.
///
/// Behind the requirement: only activities that close part of the gap, those closing a
/// category's shortfall before those adding to the total only, each ranked by the share of the
/// gap it closes, then by the earliest close of registration and start. Meeting it: activities
/// of the categories the student took part in most, then the soonest.
pub fn rank(
    rules: &RuleSet,
    student: &Student,
    candidates: &[Candidate],
    limit: usize,
) -> Suggestions {
    let gap = gap(&student.progress, &student.names);
    let behind = !gap.is_empty();
    let total_gap = gap.iter().find(|g| g.category == TOTAL);
    let mut scored: Vec<(Suggestion, RankKey)> = candidates
        .iter()
        .filter(|c| is_open_to(c, student.facts))
        .filter_map(|c| {
            let (raw, hours) = expected(rules, &c.category, c.credit_level, c.starts_at, c.ends_at);
            let points = within_caps(rules, &c.category, &student.this_term, raw);
            let own = gap.iter().find(|g| g.category == c.category);
            let (closes, closes_hours, reason, share) = if behind {
                // The share of each unmet row it closes, in ten-thousandths.
                let share = |closed: f64, missing: f64| {
                    if missing > 0.0 {
                        ((closed / missing).min(1.0) * 10_000.0).round() as u64
                    } else {
                        0
                    }
                };
                let (own_points, own_hours, own_share) = match own {
                    Some(g) => {
                        let p = points.min(g.points);
                        let h = round2(hours.min(g.hours));
                        (
                            p,
                            h,
                            share(p.0 as f64, g.points.0 as f64) + share(h, g.hours),
                        )
                    }
                    None => (Points::ZERO, 0.0, 0),
                };
                let (total_points, total_share) = match total_gap {
                    Some(g) => {
                        let p = points.min(g.points);
                        (
                            p,
                            share(p.0 as f64, g.points.0 as f64)
                                + share(hours.min(g.hours), g.hours),
                        )
                    }
                    None => (Points::ZERO, 0),
                };
                if own_share > 0 {
                    (
                        own_points,
                        own_hours,
                        Reason::Category,
                        (own_share, total_share),
                    )
                } else if total_share > 0 {
                    let h = total_gap.map(|g| round2(hours.min(g.hours))).unwrap_or(0.0);
                    (total_points, h, Reason::Total, (0, total_share))
                } else {
                    return None;
                }
            } else {
                let seen = student.history.get(&c.category).copied().unwrap_or(0);
                let reason = if seen > 0 {
                    Reason::Interest
                } else {
                    Reason::Soon
                };
                (Points::ZERO, 0.0, reason, (0, 0))
            };
            let seen = student.history.get(&c.category).copied().unwrap_or(0);
            let places_left = c.capacity.map(|cap| cap.saturating_sub(c.confirmed));
            Some((
                Suggestion {
                    activity_id: c.activity_id,
                    title: c.title.clone(),
                    category: c.category.clone(),
                    category_name: c.category_name.clone(),
                    credit_level: c.credit_level,
                    starts_at: c.starts_at,
                    registration_closes_at: c.registration_closes_at,
                    places_left,
                    waitlist: places_left == Some(0),
                    points,
                    hours,
                    closes,
                    closes_hours,
                    reason,
                },
                (Reverse(share.0), Reverse(share.1), Reverse(seen)),
            ))
        })
        .collect();
    scored.sort_by(|(a, ka), (b, kb)| {
        (ka, a.registration_closes_at, a.starts_at, a.activity_id).cmp(&(
            kb,
            b.registration_closes_at,
            b.starts_at,
            b.activity_id,
        ))
    });
    Suggestions {
        behind,
        gap,
        items: scored.into_iter().take(limit).map(|(s, _)| s).collect(),
    }
}

/// The reminder an adviser sends: a title naming what the student misses, a body naming up to
/// three suggested activities (Chinese, as notifications are).
pub fn reminder(student_id: i64, suggestions: &Suggestions) -> Reminder {
    let missing: Vec<String> = suggestions
        .gap
        .iter()
        .map(|g| {
            let mut what = Vec::new();
            if g.points.0 > 0 {
                what.push(format!("{} 分", g.points));
            }
            if g.hours > 0.0 {
                what.push(format!("{} 小时", trim(g.hours)));
            }
            format!("{}差 {}", g.category_name, what.join("、"))
        })
        .collect();
    let title = if missing.is_empty() {
        "第二课堂提醒：看看近期活动".to_owned()
    } else {
        format!("第二课堂提醒：{}", missing.join("，"))
    };
    let named: Vec<&Suggestion> = suggestions.items.iter().take(3).collect();
    let body = if named.is_empty() {
        "目前没有可报名的相关活动，请留意活动列表的新活动。".to_owned()
    } else {
        let list: Vec<String> = named
            .iter()
            .map(|s| {
                let mut brings = format!("+{} 分", s.points);
                if s.hours > 0.0 {
                    brings.push_str(&format!("、{} 小时", trim(s.hours)));
                }
                format!("《{}》（{} · {}）", s.title, s.category_name, brings)
            })
            .collect();
        format!("辅导员建议你报名：{}。", list.join("、"))
    };
    Reminder {
        student_id,
        title,
        body,
        activity_ids: named.iter().map(|s| s.activity_id).collect(),
    }
}

fn trim(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::people::Degree;
    use chrono::{Duration, TimeZone};

    fn at(hours: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap() + Duration::hours(hours)
    }

    fn facts() -> StudentFacts {
        StudentFacts {
            college_id: 7,
            enrolment_year: 2023,
            degree: Degree::Undergraduate,
        }
    }

    fn candidate(id: i64, category: &str, closes_in: i64, hours: i64) -> Candidate {
        Candidate {
            activity_id: id,
            title: format!("活动{id}"),
            category: category.to_owned(),
            category_name: category.to_owned(),
            credit_level: CreditLevel::College,
            starts_at: at(closes_in + 1),
            ends_at: at(closes_in + 1 + hours),
            registration_closes_at: at(closes_in),
            capacity: None,
            confirmed: 0,
            enrolment_mode: EnrolmentMode::FirstCome,
            eligibility: Eligibility::default(),
            registered: false,
        }
    }

    fn student(earned: &[(&str, f64)], history: &[(&str, u32)]) -> Student {
        let rules = RuleSet::default_rules();
        let totals = earned
            .iter()
            .map(|(c, p)| {
                (
                    (*c).to_owned(),
                    rules::Earned {
                        points: Points::from_f64(*p),
                        hours: 0.0,
                    },
                )
            })
            .collect();
        Student {
            facts: facts(),
            progress: rules::progress(&rules.requirements.undergraduate, &totals),
            this_term: BTreeMap::new(),
            history: history.iter().map(|(c, n)| ((*c).to_owned(), *n)).collect(),
            names: [("volunteer", "志愿服务")]
                .into_iter()
                .map(|(c, n)| (c.to_owned(), n.to_owned()))
                .collect(),
        }
    }

    #[test]
    fn a_plain_participant_earns_what_the_ledger_grants() {
        let rules = RuleSet::default_rules();
        assert_eq!(
            expected(&rules, "lecture", CreditLevel::College, at(0), at(2)),
            (Points(20), 0.0)
        );
        // Volunteer service by the hour: four hours at 0.1.
        assert_eq!(
            expected(&rules, "volunteer", CreditLevel::School, at(0), at(4)),
            (Points(40), 4.0)
        );
        // A competition without an award: taking part.
        assert_eq!(
            expected(&rules, "competition", CreditLevel::School, at(0), at(3)),
            (Points(50), 0.0)
        );
    }

    #[test]
    fn a_student_behind_in_a_category_sees_that_category_first() {
        let rules = RuleSet::default_rules();
        // Lecture and practice met, volunteer and the total short.
        let me = student(
            &[("lecture", 2.0), ("practice", 2.0), ("innovation", 4.0)],
            &[],
        );
        let candidates = [
            candidate(1, "arts_sports", 1, 2),
            candidate(2, "volunteer", 48, 4),
            candidate(3, "volunteer", 24, 2),
            candidate(4, "lecture", 2, 2),
        ];
        let out = rank(&rules, &me, &candidates, LIMIT);
        assert!(out.behind);
        assert_eq!(
            out.gap
                .iter()
                .map(|g| g.category.as_str())
                .collect::<Vec<_>>(),
            ["volunteer", "total"]
        );
        let ids: Vec<i64> = out.items.iter().map(|s| s.activity_id).collect();
        // The four-hour service closes more of the volunteer gap than the two-hour one; the
        // lecture (met, and capped) and arts only add to the total.
        assert_eq!(ids[..2], [2, 3]);
        assert_eq!(out.items[0].reason, Reason::Category);
        assert_eq!(out.items[0].closes, Points(40));
        assert!(ids[2..].iter().all(|id| [1, 4].contains(id)));
        assert!(out.items[2..].iter().all(|s| s.reason == Reason::Total));
    }

    #[test]
    fn closed_full_ineligible_and_signed_up_activities_are_left_out() {
        let rules = RuleSet::default_rules();
        let me = student(&[], &[]);
        let mut signed_up = candidate(1, "volunteer", 1, 2);
        signed_up.registered = true;
        let mut other_college = candidate(2, "volunteer", 1, 2);
        other_college.eligibility.colleges = vec![99];
        let mut full_review = candidate(3, "volunteer", 1, 2);
        full_review.enrolment_mode = EnrolmentMode::Review;
        full_review.capacity = Some(10);
        full_review.confirmed = 10;
        let mut full_first_come = candidate(4, "volunteer", 1, 2);
        full_first_come.capacity = Some(10);
        full_first_come.confirmed = 10;
        let out = rank(
            &rules,
            &me,
            &[signed_up, other_college, full_review, full_first_come],
            LIMIT,
        );
        assert_eq!(out.items.len(), 1);
        assert_eq!(out.items[0].activity_id, 4);
        assert!(out.items[0].waitlist, "full, first come: onto the waitlist");
        assert_eq!(out.items[0].places_left, Some(0));
    }

    #[test]
    fn a_student_who_meets_it_sees_their_interests_then_the_soonest() {
        let rules = RuleSet::default_rules();
        let me = student(
            &[
                ("lecture", 2.0),
                ("volunteer", 2.0),
                ("practice", 2.0),
                ("competition", 4.0),
            ],
            &[("competition", 3), ("lecture", 1)],
        );
        let candidates = [
            candidate(1, "arts_sports", 1, 2),
            candidate(2, "lecture", 5, 2),
            candidate(3, "competition", 9, 2),
            candidate(4, "lecture", 3, 2),
        ];
        let out = rank(&rules, &me, &candidates, 3);
        assert!(!out.behind && out.gap.is_empty());
        let ids: Vec<i64> = out.items.iter().map(|s| s.activity_id).collect();
        assert_eq!(ids, [3, 4, 2]);
        assert_eq!(out.items[0].reason, Reason::Interest);
        assert_eq!(out.items[0].closes, Points::ZERO);
    }

    #[test]
    fn points_respect_what_this_terms_caps_leave() {
        let rules = RuleSet::default_rules();
        let mut me = student(&[], &[]);
        // 1.9 of the lecture cap of 2 used this term: a lecture brings 0.1, not 0.2.
        me.this_term.insert("lecture".into(), Points(190));
        let out = rank(&rules, &me, &[candidate(1, "lecture", 1, 2)], LIMIT);
        assert_eq!(out.items[0].points, Points(10));
    }

    #[test]
    fn the_reminder_names_the_gap_and_three_activities() {
        let rules = RuleSet::default_rules();
        let me = student(
            &[("lecture", 2.0), ("practice", 2.0), ("innovation", 4.0)],
            &[],
        );
        let candidates: Vec<Candidate> = (1..=5).map(|i| candidate(i, "volunteer", i, 3)).collect();
        let out = rank(&rules, &me, &candidates, LIMIT);
        let reminder = reminder(42, &out);
        assert!(
            reminder.title.contains("志愿服务差 2 分"),
            "{}",
            reminder.title
        );
        assert_eq!(reminder.activity_ids.len(), 3);
        assert!(reminder.body.contains("《活动1》"), "{}", reminder.body);
        assert!(!reminder.body.contains("《活动4》"));
    }
}
