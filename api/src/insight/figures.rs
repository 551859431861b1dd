//! The dashboard and a monthly report's content, put together from the queries of
//! [`db::insight`]: labels from the categories and the shared enums, breakdowns in a fixed order.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use shared::{
    activity::CreditLevel,
    cadre::RoundStatus,
    insight::{
        CadreRoundLine, CategoryPoints, Dashboard, Figure, Leader, MonthlyActivity, MonthlyContent,
        MonthlyFigures, OrganizationFigures, Participation, Trend,
    },
    points::Term,
};

use crate::{
    db::{
        self,
        insight::{ParticipationRow, Span},
        organizations::OrgRow,
    },
    error::AppError,
    results::overdue_within,
};

/// Category code → (中文, English), in the school's order.
pub struct Labels(Vec<(String, String, String)>);

impl Labels {
    pub async fn load(conn: &mut AsyncPgConnection) -> Result<Labels, AppError> {
        Ok(Labels(
            db::categories::list(conn)
                .await?
                .into_iter()
                .map(|c| (c.code, c.name, c.name_en))
                .collect(),
        ))
    }

    fn of(&self, code: &str) -> (String, String) {
        self.0.iter().find(|(c, _, _)| c == code).map_or_else(
            || (code.to_owned(), code.to_owned()),
            |(_, zh, en)| (zh.clone(), en.clone()),
        )
    }

    fn position(&self, code: &str) -> usize {
        self.0
            .iter()
            .position(|(c, _, _)| c == code)
            .unwrap_or(usize::MAX)
    }

    /// Counts by category as figures, in the school's order.
    fn figures(&self, counts: BTreeMap<String, i64>) -> Vec<Figure> {
        let mut figures: Vec<Figure> = counts
            .into_iter()
            .map(|(key, value)| {
                let (label, label_en) = self.of(&key);
                Figure {
                    key,
                    label,
                    label_en,
                    value,
                }
            })
            .collect();
        figures.sort_by_key(|f| (self.position(&f.key), f.key.clone()));
        figures
    }

    fn points(&self, rows: Vec<db::insight::PointsRow>) -> Vec<CategoryPoints> {
        let mut points: Vec<CategoryPoints> = rows
            .into_iter()
            .map(|r| {
                let (label, label_en) = self.of(&r.category);
                CategoryPoints {
                    category: r.category,
                    label,
                    label_en,
                    points: r.points,
                    hours: r.hours,
                    entries: r.entries,
                }
            })
            .collect();
        points.sort_by_key(|p| (self.position(&p.category), p.category.clone()));
        points
    }
}

/// The states an activity is counted in, in order, with their labels.
pub const STATES: [(&str, &str, &str); 7] = [
    ("draft", "草稿", "Draft"),
    ("submitted", "待审核", "Awaiting review"),
    ("upcoming", "未开始", "Upcoming"),
    ("ongoing", "进行中", "In progress"),
    ("awaiting_recognition", "待认定", "Awaiting recognition"),
    ("recognised", "已认定", "Recognised"),
    ("cancelled", "已取消", "Cancelled"),
];

fn level_figures(counts: &BTreeMap<String, i64>) -> Vec<Figure> {
    [CreditLevel::School, CreditLevel::College, CreditLevel::Club]
        .into_iter()
        .map(|level| Figure {
            key: level.as_str().to_owned(),
            label: level.label_zh().to_owned(),
            label_en: match level {
                CreditLevel::School => "School level",
                CreditLevel::College => "College level",
                CreditLevel::Club => "Club level",
            }
            .to_owned(),
            value: counts.get(level.as_str()).copied().unwrap_or(0),
        })
        .collect()
}

fn state_figures(counts: &BTreeMap<String, i64>) -> Vec<Figure> {
    STATES
        .iter()
        .map(|(key, zh, en)| Figure {
            key: (*key).to_owned(),
            label: (*zh).to_owned(),
            label_en: (*en).to_owned(),
            value: counts.get(*key).copied().unwrap_or(0),
        })
        .collect()
}

/// Participation rows summed by one key.
fn participation_by(
    rows: &[ParticipationRow],
    key: impl Fn(&ParticipationRow) -> (String, String, String),
) -> Vec<Participation> {
    let mut groups: BTreeMap<String, Participation> = BTreeMap::new();
    for row in rows {
        let (k, label, label_en) = key(row);
        let group = groups.entry(k.clone()).or_insert_with(|| Participation {
            key: k,
            label,
            label_en,
            students: 0,
            active: 0,
        });
        group.students += row.students;
        group.active += row.active;
    }
    groups.into_values().collect()
}

fn degree_label(degree: &str) -> (String, String) {
    match degree {
        "undergraduate" => ("本科生".into(), "Undergraduate".into()),
        "master" => ("硕士研究生".into(), "Master's".into()),
        "doctoral" | "doctorate" | "phd" => ("博士研究生".into(), "Doctoral".into()),
        "graduate" => ("研究生".into(), "Graduate".into()),
        other => (other.into(), other.into()),
    }
}

/// The dashboard of `org`'s subtree in `term`, read now.
pub async fn dashboard(
    conn: &mut AsyncPgConnection,
    org: &OrgRow,
    term: &Term,
    now: DateTime<Utc>,
) -> Result<Dashboard, AppError> {
    let orgs = db::insight::subtree(conn, org.id).await?;
    let span = Span::days(term.starts_on, term.ends_on);
    let labels = Labels::load(conn).await?;

    let groups = db::insight::activity_groups(conn, &orgs, span, now).await?;
    let (mut by_category, mut by_level, mut by_state) =
        (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    for g in &groups {
        *by_category.entry(g.category.clone()).or_insert(0) += g.n;
        *by_level.entry(g.credit_level.clone()).or_insert(0) += g.n;
        *by_state.entry(g.state.clone()).or_insert(0) += g.n;
    }
    let attendance = db::insight::attendance(conn, &orgs, span, now).await?;
    let points = labels.points(db::insight::points(conn, &orgs, span).await?);
    let mut backlog = db::insight::backlog(conn, &orgs, span).await?;
    backlog.overdue_recognitions = overdue_within(conn, org.id, now).await?.len() as i64;
    let cadres = db::insight::cadres(conn, &orgs, span).await?;
    let evaluations = db::insight::evaluations(conn, &orgs, span).await?;
    let people = db::insight::participation(conn, &orgs, span, Some(term.id)).await?;
    let weeks = db::insight::weeks(conn, &orgs, span)
        .await?
        .into_iter()
        .map(|w| Trend {
            key: w.week.to_string(),
            label: w.week.format("%m-%d").to_string(),
            activities: w.activities,
            checkins: w.checkins,
            points: w.points,
        })
        .collect();
    let terms = db::insight::terms(conn, &orgs, term.starts_on, 6)
        .await?
        .into_iter()
        .map(|t| Trend {
            key: t.code,
            label: t.name,
            activities: t.activities,
            checkins: t.checkins,
            points: t.points,
        })
        .collect();
    let top_organizations = db::insight::top_organizations(conn, &orgs, span, 10)
        .await?
        .into_iter()
        .map(|o| OrganizationFigures {
            organization_id: o.organization_id,
            name: o.name,
            activities: o.activities,
            checkins: o.checkins,
            points: o.points,
        })
        .collect();
    let leaderboard = db::insight::leaders(conn, &orgs, term.id, 10)
        .await?
        .into_iter()
        .enumerate()
        .map(|(i, l)| Leader {
            rank: i as i64 + 1,
            student_id: l.student_id,
            name: l.name,
            student_number: l.username,
            college: l.college,
            points: l.points,
        })
        .collect();

    Ok(Dashboard {
        organization_id: org.id,
        organization: org.name.clone(),
        term_id: term.id,
        term_code: term.code.clone(),
        term_name: term.name.clone(),
        starts_on: term.starts_on,
        ends_on: term.ends_on,
        computed_at: now,
        students: people.iter().map(|p| p.students).sum(),
        activities: groups.iter().map(|g| g.n).sum(),
        by_category: labels.figures(by_category.clone()),
        by_level: level_figures(&by_level),
        by_state: state_figures(&by_state),
        attendance,
        points,
        backlog,
        cadres,
        evaluations,
        by_college: participation_by(&people, |r| {
            (
                r.college_id.to_string(),
                r.college.clone(),
                r.college.clone(),
            )
        }),
        by_year: participation_by(&people, |r| {
            let year = r.enrolment_year.to_string();
            (year.clone(), format!("{year}级"), year)
        }),
        by_degree: participation_by(&people, |r| {
            let (zh, en) = degree_label(&r.degree);
            (r.degree.clone(), zh, en)
        }),
        weeks,
        terms,
        top_organizations,
        leaderboard,
    })
}

/// Longest activity list frozen into a report.
const REPORT_ACTIVITIES: i64 = 500;

/// A college's report content for the days of `span`, read at `now` (the freeze).
pub async fn monthly(
    conn: &mut AsyncPgConnection,
    college: i64,
    span: Span,
    now: DateTime<Utc>,
) -> Result<MonthlyContent, AppError> {
    let orgs = db::insight::subtree(conn, college).await?;
    let labels = Labels::load(conn).await?;
    let groups = db::insight::activity_groups(conn, &orgs, span, now).await?;
    let mut by_category = BTreeMap::new();
    let mut held = 0;
    for g in groups
        .iter()
        .filter(|g| !matches!(g.state.as_str(), "draft" | "submitted" | "cancelled"))
    {
        *by_category.entry(g.category.clone()).or_insert(0) += g.n;
        held += g.n;
    }
    let people = db::insight::participation(conn, &orgs, span, None).await?;
    let overdue = overdue_within(conn, college, now).await?;
    let mut backlog = db::insight::backlog(conn, &orgs, span).await?;
    backlog.overdue_recognitions = overdue.len() as i64;
    let figures = MonthlyFigures {
        students: people.iter().map(|p| p.students).sum(),
        active_students: people.iter().map(|p| p.active).sum(),
        published: db::insight::published(conn, &orgs, span).await?,
        held,
        by_category: labels.figures(by_category),
        attendance: db::insight::attendance(conn, &orgs, span, now).await?,
        points: labels.points(db::insight::points(conn, &orgs, span).await?),
        backlog,
        cadres: db::insight::cadres(conn, &orgs, span).await?,
    };
    let activities = db::insight::activity_lines(conn, &orgs, span, REPORT_ACTIVITIES)
        .await?
        .into_iter()
        .map(|a| MonthlyActivity {
            activity_id: a.id,
            title: a.title,
            category: a.category,
            credit_level: a.credit_level,
            organizer: a.organizer,
            starts_at: a.starts_at,
            registrations: a.registrations,
            attended: a.attended,
            recognised: a.recognised,
        })
        .collect();
    let rounds = db::insight::round_lines(conn, &orgs, span)
        .await?
        .into_iter()
        .map(|r| CadreRoundLine {
            round_id: r.id,
            organization: r.organization,
            term_code: r.term_code,
            status: match r.status.as_str() {
                "submitted" => RoundStatus::Submitted,
                "approved" => RoundStatus::Approved,
                "returned" => RoundStatus::Returned,
                _ => RoundStatus::Draft,
            },
            graded: r.graded,
            positions: r.positions,
        })
        .collect();
    Ok(MonthlyContent {
        figures,
        activities,
        overdue,
        rounds,
    })
}

/// Category code → label, for the spreadsheets.
pub fn category_names(labels: &Labels) -> HashMap<String, String> {
    labels
        .0
        .iter()
        .map(|(code, zh, _)| (code.clone(), zh.clone()))
        .collect()
}
