//! Surveys (问卷) and activity evaluations (活动评价): the questionnaire an organisation builds,
//! the answers a student gives, and the results — with the rules both sides apply: what a
//! questionnaire and an answer must be ([`NewSurvey::validate`], [`validate_answers`]), how
//! answers are counted ([`tally`]), and the smallest group whose results are shown
//! ([`MIN_GROUP`]).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ApiError;

/// Results of fewer respondents than this are not shown (nor exported): a small group's
/// answers would say too much about each of its members.
pub const MIN_GROUP: i64 = 5;
/// Most questions in a survey, options in a choice question.
pub const MAX_QUESTIONS: usize = 50;
pub const MAX_OPTIONS: usize = 20;
/// Longest text answer, comment.
pub const MAX_TEXT: usize = 1000;
pub const MAX_COMMENT: usize = 500;
/// Days after an activity ends during which its participants may rate it and change the rating.
pub const EVALUATION_DAYS: i64 = 30;

/// What a question asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// One of the options (单选).
    Single,
    /// Any number of the options, at least one when required (多选).
    Multiple,
    /// 1–5 stars (评分).
    Stars,
    /// Net promoter score, 0–10 (推荐度).
    Nps,
    /// Free text (填空).
    Text,
}

impl QuestionKind {
    pub fn is_choice(self) -> bool {
        matches!(self, QuestionKind::Single | QuestionKind::Multiple)
    }

    /// The values a rating question takes.
    pub fn scale(self) -> Option<(i32, i32)> {
        match self {
            QuestionKind::Stars => Some((1, 5)),
            QuestionKind::Nps => Some((0, 10)),
            _ => None,
        }
    }
}

/// One question of a questionnaire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Question {
    pub kind: QuestionKind,
    /// 1–200 characters.
    pub title: String,
    #[serde(default)]
    pub required: bool,
    /// The options of a choice question (2–20, each 1–100 characters); empty otherwise.
    #[serde(default)]
    pub options: Vec<String>,
}

/// Whom a survey asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// The students of an organisation's subtree (its colleges' students).
    Organization,
    /// One intake (enrolment year) of an organisation's subtree.
    Intake,
    /// The checked-in participants of one activity.
    Activity,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Organization => "organization",
            TargetKind::Intake => "intake",
            TargetKind::Activity => "activity",
        }
    }

    pub fn parse(text: &str) -> Option<TargetKind> {
        match text {
            "organization" => Some(TargetKind::Organization),
            "intake" => Some(TargetKind::Intake),
            "activity" => Some(TargetKind::Activity),
            _ => None,
        }
    }
}

/// A survey's target. `organization_id` is the subtree (for an activity: the survey's own
/// organisation); `year` names the intake, `activity_id` the activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SurveyTarget {
    pub kind: TargetKind,
    pub organization_id: i64,
    #[serde(default)]
    pub year: Option<i32>,
    #[serde(default)]
    pub activity_id: Option<i64>,
}

/// A questionnaire to create, or a draft's new content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewSurvey {
    /// The organisation that asks (inside the caller's subtree).
    pub organization_id: i64,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Answers kept with no link to the student. Fixed once published.
    pub anonymous: bool,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub target: SurveyTarget,
    pub questions: Vec<Question>,
}

fn chars(text: &str) -> usize {
    text.trim().chars().count()
}

impl NewSurvey {
    /// The rules of a questionnaire; the error names the first field that breaks one.
    pub fn validate(&self) -> Result<(), ApiError> {
        if !(1..=100).contains(&chars(&self.title)) {
            return Err(ApiError::invalid("title", "1 to 100 characters"));
        }
        if chars(&self.description) > 2000 {
            return Err(ApiError::invalid("description", "at most 2000 characters"));
        }
        if self.closes_at <= self.opens_at {
            return Err(ApiError::invalid("closes_at", "after opens_at"));
        }
        if self.closes_at - self.opens_at > chrono::Duration::days(366) {
            return Err(ApiError::invalid(
                "closes_at",
                "at most a year after opens_at",
            ));
        }
        match self.target.kind {
            TargetKind::Intake => match self.target.year {
                Some(year) if (1990..=2100).contains(&year) => {}
                _ => {
                    return Err(ApiError::invalid(
                        "target.year",
                        "an intake names its enrolment year (1990–2100)",
                    ));
                }
            },
            TargetKind::Activity if self.target.activity_id.is_none() => {
                return Err(ApiError::invalid(
                    "target.activity_id",
                    "an activity target names the activity",
                ));
            }
            _ => {}
        }
        if self.questions.is_empty() || self.questions.len() > MAX_QUESTIONS {
            return Err(ApiError::invalid("questions", "1 to 50 questions"));
        }
        for (i, q) in self.questions.iter().enumerate() {
            if !(1..=200).contains(&chars(&q.title)) {
                return Err(ApiError::invalid(
                    format!("questions[{i}].title"),
                    "1 to 200 characters",
                ));
            }
            if q.kind.is_choice() {
                if !(2..=MAX_OPTIONS).contains(&q.options.len()) {
                    return Err(ApiError::invalid(
                        format!("questions[{i}].options"),
                        "2 to 20 options",
                    ));
                }
                for (j, option) in q.options.iter().enumerate() {
                    if !(1..=100).contains(&chars(option)) {
                        return Err(ApiError::invalid(
                            format!("questions[{i}].options[{j}]"),
                            "1 to 100 characters",
                        ));
                    }
                    if q.options[..j].iter().any(|o| o.trim() == option.trim()) {
                        return Err(ApiError::invalid(
                            format!("questions[{i}].options[{j}]"),
                            "options differ from each other",
                        ));
                    }
                }
            } else if !q.options.is_empty() {
                return Err(ApiError::invalid(
                    format!("questions[{i}].options"),
                    "only choice questions have options",
                ));
            }
        }
        Ok(())
    }
}

/// Where a survey stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SurveyState {
    /// Editable, seen by its organisation only.
    Draft,
    /// Published, not open yet.
    Scheduled,
    Open,
    Closed,
}

impl SurveyState {
    /// The state of a survey (`published` or not) with this window, at `now`.
    pub fn at(
        published: bool,
        opens_at: DateTime<Utc>,
        closes_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> SurveyState {
        if !published {
            SurveyState::Draft
        } else if now < opens_at {
            SurveyState::Scheduled
        } else if now < closes_at {
            SurveyState::Open
        } else {
            SurveyState::Closed
        }
    }
}

/// A survey as its organisation sees it (and, once published, a targeted student).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Survey {
    pub id: i64,
    pub organization_id: i64,
    pub organization: String,
    pub title: String,
    pub description: String,
    pub anonymous: bool,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub target: SurveyTarget,
    /// The target in words: 计算机学院团委 · 2023级, or the activity's title.
    pub target_label: String,
    pub questions: Vec<Question>,
    pub state: SurveyState,
    pub published_at: Option<DateTime<Utc>>,
    /// Students who have answered.
    pub respondents: i64,
    /// The caller may edit the draft, publish or close it.
    pub can_manage: bool,
    /// The caller (a targeted student) has answered.
    pub answered: bool,
}

/// A survey in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SurveySummary {
    pub id: i64,
    pub organization_id: i64,
    pub organization: String,
    pub title: String,
    pub anonymous: bool,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub target_label: String,
    pub state: SurveyState,
    pub questions: i64,
    pub respondents: i64,
    /// For a student: they have answered.
    pub answered: bool,
}

/// One answer. A choice question takes `choices` (option indexes), a rating `rating`, a text
/// question `text`; an empty answer skips an optional question.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Answer {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl Answer {
    pub fn is_empty(&self) -> bool {
        self.choices.is_empty()
            && self.rating.is_none()
            && self.text.as_deref().is_none_or(|t| t.trim().is_empty())
    }
}

/// The answers of one student to a survey, one per question in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmitAnswers {
    pub answers: Vec<Answer>,
    /// An anonymous survey's answer is changed with the key its first submission returned.
    #[serde(default)]
    pub edit_key: Option<String>,
}

/// What a submission answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmitReceipt {
    pub survey_id: i64,
    pub anonymous: bool,
    /// An earlier answer was replaced.
    pub changed: bool,
    /// Anonymous surveys, first submission only: the key that lets the respondent change the
    /// answer until the survey closes. The server keeps only its SHA-256; it is not shown again.
    pub edit_key: Option<String>,
}

/// The caller's stored answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MyResponse {
    pub survey_id: i64,
    pub answers: Vec<Answer>,
}

/// Checks answers against the questions and answers them cleaned (texts trimmed, choices
/// sorted); the error names `answers[i]`.
pub fn validate_answers(
    questions: &[Question],
    answers: &[Answer],
) -> Result<Vec<Answer>, ApiError> {
    if answers.len() != questions.len() {
        return Err(ApiError::invalid(
            "answers",
            format!("one answer per question ({})", questions.len()),
        ));
    }
    let mut out = Vec::with_capacity(answers.len());
    for (i, (q, a)) in questions.iter().zip(answers).enumerate() {
        let field = format!("answers[{i}]");
        if a.is_empty() {
            if q.required {
                return Err(ApiError::invalid(field, "this question is required"));
            }
            out.push(Answer::default());
            continue;
        }
        let clean = match q.kind {
            QuestionKind::Single | QuestionKind::Multiple => {
                if a.rating.is_some() || a.text.is_some() {
                    return Err(ApiError::invalid(field, "a choice question takes choices"));
                }
                let mut choices = a.choices.clone();
                choices.sort_unstable();
                choices.dedup();
                if choices.len() != a.choices.len() {
                    return Err(ApiError::invalid(field, "an option chosen twice"));
                }
                if q.kind == QuestionKind::Single && choices.len() != 1 {
                    return Err(ApiError::invalid(field, "choose one option"));
                }
                if choices.iter().any(|&c| c as usize >= q.options.len()) {
                    return Err(ApiError::invalid(field, "no such option"));
                }
                Answer {
                    choices,
                    ..Answer::default()
                }
            }
            QuestionKind::Stars | QuestionKind::Nps => {
                let (low, high) = q.kind.scale().unwrap_or((0, 0));
                match (a.rating, a.choices.is_empty(), &a.text) {
                    (Some(r), true, None) if (low..=high).contains(&r) => Answer {
                        rating: Some(r),
                        ..Answer::default()
                    },
                    _ => {
                        return Err(ApiError::invalid(
                            field,
                            format!("a rating from {low} to {high}"),
                        ));
                    }
                }
            }
            QuestionKind::Text => {
                let text = a.text.as_deref().unwrap_or("").trim();
                if !a.choices.is_empty() || a.rating.is_some() {
                    return Err(ApiError::invalid(field, "a text question takes text"));
                }
                if text.chars().count() > MAX_TEXT {
                    return Err(ApiError::invalid(field, "at most 1000 characters"));
                }
                Answer {
                    text: Some(text.to_owned()),
                    ..Answer::default()
                }
            }
        };
        out.push(clean);
    }
    Ok(out)
}

/// One option's (or one rating value's) count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OptionCount {
    pub label: String,
    pub count: i64,
    /// Of the question's answers, 0–100.
    pub percent: f64,
}

/// The results of one question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuestionResult {
    pub index: usize,
    pub kind: QuestionKind,
    pub title: String,
    /// Respondents who answered it.
    pub answered: i64,
    /// Choice questions: each option; ratings: each value of the scale.
    pub counts: Vec<OptionCount>,
    /// Ratings: the mean.
    pub average: Option<f64>,
    /// NPS: promoters (9–10) minus detractors (0–6), in percent of the answers.
    pub nps: Option<f64>,
    /// Text questions: the answers, sorted by their text (never in the order given).
    pub texts: Vec<String>,
}

/// A survey's results for the group the filters name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SurveyResults {
    pub survey_id: i64,
    pub title: String,
    pub anonymous: bool,
    pub state: SurveyState,
    /// The filters applied.
    pub college_id: Option<i64>,
    pub year: Option<i32>,
    /// Respondents in the group.
    pub respondents: i64,
    /// Fewer than `min_group` respondents: no figures are shown (`questions` is empty).
    pub suppressed: bool,
    pub min_group: i64,
    pub questions: Vec<QuestionResult>,
}

fn percent(n: i64, of: i64) -> f64 {
    if of == 0 {
        0.0
    } else {
        (n as f64 * 1000.0 / of as f64).round() / 10.0
    }
}

/// Counts the answers to each question. Text answers come out sorted by their text, so their
/// order says nothing about who answered when.
pub fn tally(questions: &[Question], responses: &[Vec<Answer>]) -> Vec<QuestionResult> {
    questions
        .iter()
        .enumerate()
        .map(|(index, q)| {
            let answers: Vec<&Answer> = responses
                .iter()
                .filter_map(|r| r.get(index))
                .filter(|a| !a.is_empty())
                .collect();
            let answered = answers.len() as i64;
            let mut result = QuestionResult {
                index,
                kind: q.kind,
                title: q.title.clone(),
                answered,
                counts: Vec::new(),
                average: None,
                nps: None,
                texts: Vec::new(),
            };
            match q.kind {
                QuestionKind::Single | QuestionKind::Multiple => {
                    result.counts = q
                        .options
                        .iter()
                        .enumerate()
                        .map(|(i, label)| {
                            let count = answers
                                .iter()
                                .filter(|a| a.choices.contains(&(i as u32)))
                                .count() as i64;
                            OptionCount {
                                label: label.clone(),
                                count,
                                percent: percent(count, answered),
                            }
                        })
                        .collect();
                }
                QuestionKind::Stars | QuestionKind::Nps => {
                    let (low, high) = q.kind.scale().unwrap_or((0, 0));
                    let ratings: Vec<i32> = answers.iter().filter_map(|a| a.rating).collect();
                    result.counts = (low..=high)
                        .map(|v| {
                            let count = ratings.iter().filter(|&&r| r == v).count() as i64;
                            OptionCount {
                                label: v.to_string(),
                                count,
                                percent: percent(count, answered),
                            }
                        })
                        .collect();
                    if !ratings.is_empty() {
                        let sum: i64 = ratings.iter().map(|&r| i64::from(r)).sum();
                        result.average =
                            Some((sum as f64 * 100.0 / ratings.len() as f64).round() / 100.0);
                    }
                    if q.kind == QuestionKind::Nps && !ratings.is_empty() {
                        let promoters = ratings.iter().filter(|&&r| r >= 9).count() as i64;
                        let detractors = ratings.iter().filter(|&&r| r <= 6).count() as i64;
                        result.nps = Some(
                            percent(promoters, ratings.len() as i64)
                                - percent(detractors, ratings.len() as i64),
                        );
                    }
                }
                QuestionKind::Text => {
                    let mut texts: Vec<String> =
                        answers.iter().filter_map(|a| a.text.clone()).collect();
                    texts.sort();
                    result.texts = texts;
                }
            }
            result
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Activity evaluations.

/// A participant's rating of an activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewEvaluation {
    /// 1–5 stars.
    pub rating: i32,
    /// At most 500 characters.
    #[serde(default)]
    pub comment: String,
}

impl NewEvaluation {
    pub fn validate(&self) -> Result<(), ApiError> {
        if !(1..=5).contains(&self.rating) {
            return Err(ApiError::invalid("rating", "1 to 5 stars"));
        }
        if chars(&self.comment) > MAX_COMMENT {
            return Err(ApiError::invalid("comment", "at most 500 characters"));
        }
        Ok(())
    }
}

/// An activity the student took part in and may rate (or has rated and may still change).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PendingEvaluation {
    pub activity_id: i64,
    pub title: String,
    pub organizer: String,
    pub ends_at: DateTime<Utc>,
    /// The last day the rating may be given or changed.
    pub until: NaiveDate,
    /// The student's rating so far.
    pub rating: Option<i32>,
    pub comment: Option<String>,
}

/// An activity's evaluations as its organiser sees them: no names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvaluationSummary {
    pub activity_id: i64,
    pub title: String,
    /// Ratings given, and checked-in participants who may give one.
    pub count: i64,
    pub participants: i64,
    pub average: Option<f64>,
    /// Ratings 1 to 5, each with its count.
    pub distribution: Vec<OptionCount>,
    /// Non-empty comments, sorted by their text.
    pub comments: Vec<String>,
}

/// Summarises ratings (1–5) into an average and a distribution.
pub fn rating_distribution(ratings: &[i32]) -> (Option<f64>, Vec<OptionCount>) {
    let n = ratings.len() as i64;
    let average = (n > 0).then(|| {
        let sum: i64 = ratings.iter().map(|&r| i64::from(r)).sum();
        (sum as f64 * 100.0 / n as f64).round() / 100.0
    });
    let counts = (1..=5)
        .map(|v| {
            let count = ratings.iter().filter(|&&r| r == v).count() as i64;
            OptionCount {
                label: v.to_string(),
                count,
                percent: percent(count, n),
            }
        })
        .collect();
    (average, counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(kind: QuestionKind, required: bool, options: &[&str]) -> Question {
        Question {
            kind,
            title: "问题".into(),
            required,
            options: options.iter().map(|o| (*o).to_owned()).collect(),
        }
    }

    fn survey() -> NewSurvey {
        NewSurvey {
            organization_id: 1,
            title: "满意度调查".into(),
            description: String::new(),
            anonymous: true,
            opens_at: "2026-12-01T00:00:00Z".parse().unwrap(),
            closes_at: "2026-12-10T00:00:00Z".parse().unwrap(),
            target: SurveyTarget {
                kind: TargetKind::Organization,
                organization_id: 1,
                year: None,
                activity_id: None,
            },
            questions: vec![q(QuestionKind::Single, true, &["是", "否"])],
        }
    }

    #[test]
    fn a_questionnaire_names_the_field_it_breaks() {
        assert!(survey().validate().is_ok());
        let mut s = survey();
        s.questions[0].options.pop();
        assert_eq!(
            s.validate().unwrap_err().field.as_deref(),
            Some("questions[0].options")
        );
        let mut s = survey();
        s.closes_at = s.opens_at;
        assert_eq!(
            s.validate().unwrap_err().field.as_deref(),
            Some("closes_at")
        );
        let mut s = survey();
        s.target.kind = TargetKind::Intake;
        assert_eq!(
            s.validate().unwrap_err().field.as_deref(),
            Some("target.year")
        );
        let mut s = survey();
        s.questions.push(q(QuestionKind::Text, false, &["x"]));
        assert_eq!(
            s.validate().unwrap_err().field.as_deref(),
            Some("questions[1].options")
        );
    }

    #[test]
    fn answers_follow_their_questions() {
        let qs = vec![
            q(QuestionKind::Single, true, &["a", "b"]),
            q(QuestionKind::Multiple, false, &["a", "b", "c"]),
            q(QuestionKind::Stars, true, &[]),
            q(QuestionKind::Nps, false, &[]),
            q(QuestionKind::Text, false, &[]),
        ];
        let ok = vec![
            Answer {
                choices: vec![1],
                ..Default::default()
            },
            Answer {
                choices: vec![2, 0],
                ..Default::default()
            },
            Answer {
                rating: Some(5),
                ..Default::default()
            },
            Answer::default(),
            Answer {
                text: Some("  好 ".into()),
                ..Default::default()
            },
        ];
        let clean = validate_answers(&qs, &ok).unwrap();
        assert_eq!(clean[1].choices, vec![0, 2]);
        assert_eq!(clean[4].text.as_deref(), Some("好"));
        let mut bad = ok.clone();
        bad[0] = Answer::default();
        assert_eq!(
            validate_answers(&qs, &bad).unwrap_err().field.as_deref(),
            Some("answers[0]")
        );
        let mut bad = ok.clone();
        bad[2].rating = Some(6);
        assert_eq!(
            validate_answers(&qs, &bad).unwrap_err().field.as_deref(),
            Some("answers[2]")
        );
        let mut bad = ok.clone();
        bad[0].choices = vec![0, 1];
        assert!(validate_answers(&qs, &bad).is_err());
        assert!(validate_answers(&qs, &ok[..4]).is_err());
    }

    #[test]
    fn tally_counts_and_sorts_texts() {
        let qs = vec![
            q(QuestionKind::Single, true, &["a", "b"]),
            q(QuestionKind::Nps, true, &[]),
            q(QuestionKind::Text, false, &[]),
        ];
        let r = |c: u32, n: i32, t: &str| {
            vec![
                Answer {
                    choices: vec![c],
                    ..Default::default()
                },
                Answer {
                    rating: Some(n),
                    ..Default::default()
                },
                Answer {
                    text: Some(t.into()),
                    ..Default::default()
                },
            ]
        };
        let results = tally(
            &qs,
            &[r(0, 10, "乙"), r(0, 9, "甲"), r(1, 3, "丙"), r(0, 7, "")],
        );
        assert_eq!(results[0].counts[0].count, 3);
        assert_eq!(results[0].counts[0].percent, 75.0);
        assert_eq!(results[1].nps, Some(25.0));
        assert_eq!(results[1].average, Some(7.25));
        let mut sorted = results[2].texts.clone();
        sorted.sort();
        assert_eq!(results[2].texts, sorted);
        assert_eq!(results[2].answered, 3);
    }

    #[test]
    fn ratings_distribute() {
        let (avg, counts) = rating_distribution(&[5, 4, 4]);
        assert_eq!(avg, Some(4.33));
        assert_eq!(counts[3].count, 2);
        assert_eq!(rating_distribution(&[]).0, None);
    }
}
