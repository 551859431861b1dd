//! 发布活动 / 编辑活动: the whole definition of an activity — organiser (an organisation of the
//! user's subtree), category, credit level, times (datetime-local inputs read in Asia/Shanghai),
//! places, registration window, who may sign up, instructors (picked from the staff list),
//! enrolment mode — and a builder for the sign-up form's own questions (add, remove, reorder;
//! type, label, required, help, options, bounds). Checked as you type with
//! `ActivityInput::validate`, the rule the server applies; server errors show on their field.
//! Saving keeps a draft; 保存并提交审核 also submits it up the review chain.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, Timelike, Utc};
use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    components::A,
    hooks::{use_navigate, use_params_map},
};
use shared::{
    ApiError,
    activity::{
        Activity, ActivityInput, ActivityStatus, CreditLevel, Eligibility, EnrolmentMode,
        FieldKind, FormField, validate_form,
    },
    organization::{OrgKind, Organization},
    people::Degree,
};

use crate::{
    api::{self, OrgFilter},
    components::error::{ErrorNotice, for_field, message},
    format,
    i18n::{Locale, use_i18n},
    labels,
    session::use_session,
};

/// One question of the form being built, as typed.
#[derive(Clone, Debug, PartialEq)]
struct FieldDraft {
    key: String,
    label: String,
    kind: FieldKind,
    required: bool,
    help: String,
    /// One choice per line.
    options: String,
    min: String,
    max: String,
}

impl FieldDraft {
    fn new(key: String) -> FieldDraft {
        FieldDraft {
            key,
            label: String::new(),
            kind: FieldKind::Text,
            required: false,
            help: String::new(),
            options: String::new(),
            min: String::new(),
            max: String::new(),
        }
    }

    fn from_field(field: &FormField) -> FieldDraft {
        FieldDraft {
            key: field.key.clone(),
            label: field.label.clone(),
            kind: field.kind,
            required: field.required,
            help: field.help.clone().unwrap_or_default(),
            options: field.options.join("\n"),
            min: field.min.map(|m| m.to_string()).unwrap_or_default(),
            max: field.max.map(|m| m.to_string()).unwrap_or_default(),
        }
    }

    /// The question without its bounds (when they do not parse).
    fn field_unbounded(&self) -> FormField {
        let mut copy = self.clone();
        copy.min.clear();
        copy.max.clear();
        copy.field(0)
            .expect("without bounds nothing fails to parse")
    }

    fn field(&self, i: usize) -> Result<FormField, ApiError> {
        let choices = matches!(
            self.kind,
            FieldKind::SingleChoice | FieldKind::MultipleChoice
        );
        let number = |text: &str, what: &str| -> Result<Option<f64>, ApiError> {
            let text = text.trim();
            if text.is_empty() || self.kind != FieldKind::Number {
                return Ok(None);
            }
            text.parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .map(Some)
                .ok_or_else(|| {
                    ApiError::invalid(format!("fields[{i}].{what}"), "expected a number")
                })
        };
        Ok(FormField {
            key: self.key.trim().to_owned(),
            label: self.label.trim().to_owned(),
            kind: self.kind,
            required: self.required,
            help: Some(self.help.trim().to_owned()).filter(|h| !h.is_empty()),
            options: if choices {
                self.options
                    .lines()
                    .map(str::trim)
                    .filter(|o| !o.is_empty())
                    .map(str::to_owned)
                    .collect()
            } else {
                Vec::new()
            },
            min: number(&self.min, "min")?,
            max: number(&self.max, "max")?,
        })
    }
}

/// The whole form, as typed.
#[derive(Clone, Debug, PartialEq)]
struct Draft {
    organizer_id: Option<i64>,
    title: String,
    category: String,
    credit_level: CreditLevel,
    description: String,
    starts_at: String,
    ends_at: String,
    place: String,
    campus: String,
    /// Empty: no limit.
    capacity: String,
    cancel_cutoff_hours: String,
    opens_at: String,
    closes_at: String,
    colleges: Vec<i64>,
    years: Vec<i32>,
    degrees: Vec<Degree>,
    /// (id, name)
    instructors: Vec<(i64, String)>,
    mode: EnrolmentMode,
    fields: Vec<FieldDraft>,
    cover_image_url: Option<String>,
    points_rule: Option<String>,
}

impl Draft {
    fn new(organizer_id: Option<i64>, level: CreditLevel) -> Draft {
        // A week ahead, 14:00–16:00; registration from this hour to the day before.
        let now = Utc::now();
        let local_now = format::to_input(now);
        let start_day = format::from_input(&format!("{}T14:00", &local_now[..10])).unwrap_or(now)
            + Duration::days(7);
        let opens = now - Duration::minutes(i64::from(now.minute()));
        Draft {
            organizer_id,
            title: String::new(),
            category: String::new(),
            credit_level: level,
            description: String::new(),
            starts_at: format::to_input(start_day),
            ends_at: format::to_input(start_day + Duration::hours(2)),
            place: String::new(),
            campus: String::new(),
            capacity: "50".to_owned(),
            cancel_cutoff_hours: shared::activity::DEFAULT_CANCEL_CUTOFF_HOURS.to_string(),
            opens_at: format::to_input(opens),
            closes_at: format::to_input(start_day - Duration::days(1)),
            colleges: Vec::new(),
            years: Vec::new(),
            degrees: Vec::new(),
            instructors: Vec::new(),
            mode: EnrolmentMode::FirstCome,
            fields: Vec::new(),
            cover_image_url: None,
            points_rule: None,
        }
    }

    fn from_activity(a: &Activity) -> Draft {
        Draft {
            organizer_id: Some(a.organizer.id),
            title: a.title.clone(),
            category: a.category.clone(),
            credit_level: a.credit_level,
            description: a.description.clone(),
            starts_at: format::to_input(a.starts_at),
            ends_at: format::to_input(a.ends_at),
            place: a.place.clone(),
            campus: a.campus.clone(),
            capacity: a.capacity.map(|c| c.to_string()).unwrap_or_default(),
            cancel_cutoff_hours: a.cancel_cutoff_hours.to_string(),
            opens_at: format::to_input(a.registration_opens_at),
            closes_at: format::to_input(a.registration_closes_at),
            colleges: a.eligibility.colleges.clone(),
            years: a.eligibility.enrolment_years.clone(),
            degrees: a.eligibility.degrees.clone(),
            instructors: a
                .instructors
                .iter()
                .map(|p| (p.id, p.name.clone()))
                .collect(),
            mode: a.enrolment_mode,
            fields: a.fields.iter().map(FieldDraft::from_field).collect(),
            cover_image_url: a.cover_image_url.clone(),
            points_rule: a.points_rule.clone(),
        }
    }

    /// The definition, checked with the server's rule, or the first field in error.
    fn input(&self) -> Result<ActivityInput, ApiError> {
        let (input, problems) = self.problems();
        match problems.into_values().next() {
            Some(error) => Err(error),
            None => Ok(input),
        }
    }

    /// The definition and every field in error. `ActivityInput::validate` stops at the first
    /// broken rule, so each one found is patched over and the check runs again: the title being
    /// empty does not hide a wrong time.
    fn problems(&self) -> (ActivityInput, BTreeMap<String, ApiError>) {
        let mut problems = BTreeMap::new();
        let mut note = |error: ApiError| {
            let field = error.field.clone().unwrap_or_default();
            problems.entry(field).or_insert(error);
        };
        let now = Utc::now();
        let mut time = |text: &str, field: &str, fallback| {
            format::from_input(text).unwrap_or_else(|| {
                note(ApiError::invalid(field, "enter a date and time"));
                fallback
            })
        };
        let starts_at = time(&self.starts_at, "starts_at", now);
        let ends_at = time(&self.ends_at, "ends_at", starts_at + Duration::hours(1));
        let registration_opens_at = time(
            &self.opens_at,
            "registration_opens_at",
            starts_at - Duration::days(1),
        );
        let registration_closes_at = time(&self.closes_at, "registration_closes_at", starts_at);
        if self.organizer_id.is_none() {
            note(ApiError::invalid("organizer_id", "choose the organiser"));
        }
        if self.category.is_empty() {
            note(ApiError::invalid(
                "category",
                "no such active category (see GET /api/categories)",
            ));
        }
        let capacity = match self.capacity.trim() {
            "" => None,
            text => text.parse::<u32>().map(Some).unwrap_or_else(|_| {
                note(ApiError::invalid("capacity", "expected a number"));
                Some(1)
            }),
        };
        let cancel_cutoff_hours = self
            .cancel_cutoff_hours
            .trim()
            .parse::<u32>()
            .unwrap_or_else(|_| {
                note(ApiError::invalid(
                    "cancel_cutoff_hours",
                    "between 0 and 720 hours",
                ));
                shared::activity::DEFAULT_CANCEL_CUTOFF_HOURS
            });
        let fields = self
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| {
                f.field(i).unwrap_or_else(|error| {
                    note(error);
                    FormField {
                        min: None,
                        max: None,
                        ..f.field_unbounded()
                    }
                })
            })
            .collect::<Vec<_>>();
        let input = ActivityInput {
            organizer_id: self.organizer_id.unwrap_or(0),
            title: self.title.trim().to_owned(),
            category: self.category.clone(),
            credit_level: self.credit_level,
            description: self.description.trim().to_owned(),
            starts_at,
            ends_at,
            place: self.place.trim().to_owned(),
            campus: self.campus.trim().to_owned(),
            capacity,
            registration_opens_at,
            registration_closes_at,
            eligibility: Eligibility {
                colleges: self.colleges.clone(),
                enrolment_years: self.years.clone(),
                degrees: self.degrees.clone(),
            },
            instructor_ids: self.instructors.iter().map(|(id, _)| *id).collect(),
            cover_image_url: self.cover_image_url.clone(),
            points_rule: self.points_rule.clone(),
            enrolment_mode: self.mode,
            fields,
            cancel_cutoff_hours,
        };
        let mut patched = input.clone();
        for _ in 0..16 {
            let Err(error) = patched.validate() else {
                break;
            };
            let field = error.field.clone().unwrap_or_default();
            match field.as_str() {
                "title" => patched.title = "-".to_owned(),
                "description" => patched.description.clear(),
                "place" => patched.place = "-".to_owned(),
                "campus" => patched.campus.clear(),
                "ends_at" => patched.ends_at = patched.starts_at + Duration::hours(1),
                "registration_closes_at" => {
                    patched.registration_closes_at = patched.ends_at;
                    patched.registration_opens_at = patched
                        .registration_opens_at
                        .min(patched.ends_at - Duration::hours(1));
                }
                "capacity" => patched.capacity = Some(1),
                "cancel_cutoff_hours" => {
                    patched.cancel_cutoff_hours = shared::activity::DEFAULT_CANCEL_CUTOFF_HOURS
                }
                "cover_image_url" => patched.cover_image_url = None,
                "points_rule" => patched.points_rule = None,
                "instructor_ids" => patched.instructor_ids.truncate(20),
                _ => {
                    // The form's questions come last: each on its own, then the whole (keys
                    // used twice).
                    for (i, one) in patched.fields.iter().enumerate() {
                        if let Err(mut e) = validate_form(std::slice::from_ref(one)) {
                            e.field = e
                                .field
                                .map(|f| f.replacen("fields[0]", &format!("fields[{i}]"), 1));
                            note(e);
                        }
                    }
                    note(error);
                    break;
                }
            }
            note(error);
        }
        (input, problems)
    }

    /// A key no question uses yet: q1, q2 …
    fn next_key(&self) -> String {
        (1..)
            .map(|n| format!("q{n}"))
            .find(|k| !self.fields.iter().any(|f| &f.key == k))
            .expect("some key is free")
    }
}

/// `/manage/activities/new`.
#[component]
pub fn NewActivityPage() -> impl IntoView {
    let session = use_session();
    let (org, level) = session.with_me(|me| {
        me.map(|me| {
            (
                Some(me.organization.id),
                CreditLevel::of(me.organization.kind),
            )
        })
        .unwrap_or((None, CreditLevel::Club))
    });
    view! { <ActivityForm initial=Draft::new(org, level) id=None status=None /> }
}

/// `/manage/activities/:id/edit`.
#[component]
pub fn EditActivityPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let activity = LocalResource::new(move || {
        let id = id();
        async move { api::activity(id).await }
    });
    view! {
        <Suspense fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || activity.get().map(|result| match result {
                Ok(a) => view! { <ActivityForm initial=Draft::from_activity(&a) id=Some(a.id) status=Some(a.status) /> }.into_any(),
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| activity.refetch()) /> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn ActivityForm(initial: Draft, id: Option<i64>, status: Option<ActivityStatus>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let navigate = use_navigate();
    let draft = RwSignal::new(initial);
    // Errors show once a field has been edited, and all of them after a save attempt.
    let touched = RwSignal::new(std::collections::BTreeSet::<String>::new());
    let attempted = RwSignal::new(false);
    let server_error = RwSignal::new(None::<ApiError>);
    let checked = Memo::new(move |_| draft.with(|d| d.problems().1));

    let organizations = LocalResource::new(move || {
        let within = session.with_me(|me| me.map(|me| me.organization.id));
        async move {
            api::all_organizations(&OrgFilter {
                within,
                ..Default::default()
            })
            .await
        }
    });
    let categories = LocalResource::new(|| async { api::categories().await });
    let colleges = LocalResource::new(|| async {
        api::all_organizations(&OrgFilter {
            kind: Some(OrgKind::College),
            ..Default::default()
        })
        .await
    });

    // The message for `field` (and, with `prefix`, anything under it), if it should show.
    let error_for = move |field: &'static str| {
        Signal::derive(move || {
            if let Some(server) = for_field(i18n, server_error.read().as_ref(), field) {
                return Some(server);
            }
            let show = attempted.get() || touched.with(|t| t.contains(field));
            checked.with(|c| c.get(field).filter(|_| show).map(|e| message(i18n, e)))
        })
    };
    let edit = move |field: &'static str, change: Box<dyn Fn(&mut Draft)>| {
        draft.update(|d| change(d));
        touched.update(|t| {
            t.insert(field.to_owned());
        });
        if server_error
            .with_untracked(|e| e.as_ref().and_then(|e| e.field.clone()))
            .is_some_and(|f| f == field)
        {
            server_error.set(None);
        }
    };

    let save = Action::new_local(move |(input, and_submit): &(ActivityInput, bool)| {
        let (input, and_submit) = (input.clone(), *and_submit);
        async move {
            let saved = match id {
                Some(id) => api::update_activity(id, &input).await?,
                None => api::create_activity(&input).await?,
            };
            if and_submit && saved.status == ActivityStatus::Draft {
                return api::submit_activity(saved.id).await;
            }
            Ok(saved)
        }
    });
    {
        let navigate = navigate.clone();
        Effect::new(move |_| match save.value().get() {
            Some(Ok(activity)) => navigate(
                &format!("/activities/{}", activity.id),
                NavigateOptions::default(),
            ),
            Some(Err(error)) => server_error.set(Some(error)),
            None => {}
        });
    }
    let submit = move |and_submit: bool| {
        attempted.set(true);
        server_error.set(None);
        match draft.with_untracked(Draft::input) {
            Ok(input) => {
                save.dispatch((input, and_submit));
            }
            Err(_) => scroll_to_error(),
        }
    };

    let text =
        move |field: &'static str, get: fn(&Draft) -> String, set: fn(&mut Draft, String)| {
            let value = Signal::derive(move || draft.with(get));
            let on_input = move |ev: leptos::ev::Event| {
                let text = event_target_value(&ev);
                edit(field, Box::new(move |d| set(d, text.clone())));
            };
            (value, on_input)
        };

    let (title, on_title) = text("title", |d| d.title.clone(), |d, v| d.title = v);
    let (place, on_place) = text("place", |d| d.place.clone(), |d, v| d.place = v);
    let (campus, on_campus) = text("campus", |d| d.campus.clone(), |d, v| d.campus = v);
    let (description, on_description) = text(
        "description",
        |d| d.description.clone(),
        |d, v| d.description = v,
    );
    let (starts, on_starts) = text("starts_at", |d| d.starts_at.clone(), |d, v| d.starts_at = v);
    let (ends, on_ends) = text("ends_at", |d| d.ends_at.clone(), |d, v| d.ends_at = v);
    let (opens, on_opens) = text(
        "registration_opens_at",
        |d| d.opens_at.clone(),
        |d, v| d.opens_at = v,
    );
    let (closes, on_closes) = text(
        "registration_closes_at",
        |d| d.closes_at.clone(),
        |d, v| d.closes_at = v,
    );
    let (capacity, on_capacity) = text("capacity", |d| d.capacity.clone(), |d, v| d.capacity = v);
    let (cutoff, on_cutoff) = text(
        "cancel_cutoff_hours",
        |d| d.cancel_cutoff_hours.clone(),
        |d, v| d.cancel_cutoff_hours = v,
    );

    let organizer_kind = move || {
        let chosen = draft.with(|d| d.organizer_id);
        organizations
            .get()
            .and_then(Result::ok)
            .and_then(|list| list.into_iter().find(|o| Some(o.id) == chosen))
            .map(|o| o.kind)
    };
    let this_year = Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8"))
        .year();
    let published = status == Some(ActivityStatus::Published);

    view! {
        <p class="crumbs"><A href="/manage/activities">{move || i18n.t("‹ 活动管理", "‹ Activities")}</A></p>
        <h1>{move || if id.is_some() { i18n.t("编辑活动", "Edit the activity") } else { i18n.t("发布活动", "New activity") }}</h1>
        {published.then(|| view! {
            <div class="notice notice-warn">
                <p class="notice-detail">{move || i18n.t(
                    "活动已发布：修改时间、地点、认定级别后将重新提交审核，已有报名保留。",
                    "Published: changing the time, place or credit level sends it back to review; sign-ups are kept.",
                )}</p>
            </div>
        })}
        <form class="activity-form" data-testid="activity-form" novalidate on:submit=move |ev| { ev.prevent_default(); submit(false); }>
            <section class="panel">
                <h2>{move || i18n.t("基本信息", "Basics")}</h2>
                <div class="form-grid">
                    <label class="field form-grid-wide">
                        <span class="field-label">{move || i18n.t("活动名称", "Title")}<span class="required">" *"</span></span>
                        <input type="text" data-testid="activity-title-input" prop:value=title on:input=on_title aria-invalid=move || error_for("title").with(Option::is_some).to_string() />
                        <span class="field-error" data-testid="activity-title-input-error" role="alert">{move || error_for("title").get()}</span>
                    </label>
                    <label class="field">
                        <span class="field-label">{move || i18n.t("主办组织", "Organiser")}</span>
                        <select data-testid="activity-organizer" on:change=move |ev| {
                            let id = event_target_value(&ev).parse().ok();
                            edit("organizer_id", Box::new(move |d| d.organizer_id = id));
                            // The level cannot be below the organiser's own.
                            if let Some(kind) = organizer_kind() {
                                draft.update(|d| d.credit_level = d.credit_level.max(CreditLevel::of(kind)));
                            }
                        }>
                            {move || organizations.get().and_then(Result::ok).map(|list| {
                                let top = list.iter().map(|o| o.path.len()).min().unwrap_or(1);
                                list.into_iter().filter(|o| o.active).map(|o: Organization| {
                                    let id = o.id;
                                    let indent = "　".repeat(o.path.len().saturating_sub(top));
                                    view! { <option value=id.to_string() selected=move || draft.with(|d| d.organizer_id == Some(id))>{indent}{o.name}</option> }
                                }).collect_view()
                            })}
                        </select>
                        <span class="field-error" role="alert">{move || error_for("organizer_id").get()}</span>
                    </label>
                    <label class="field">
                        <span class="field-label">{move || i18n.t("活动类别", "Category")}<span class="required">" *"</span></span>
                        <select data-testid="activity-category" on:change=move |ev| {
                            let code = event_target_value(&ev);
                            edit("category", Box::new(move |d| d.category = code.clone()));
                        }>
                            <option value="" selected=move || draft.with(|d| d.category.is_empty())>{move || i18n.t("请选择", "Choose")}</option>
                            {move || categories.get().and_then(Result::ok).map(|page| page.items.into_iter().filter(|c| c.active).map(|c| {
                                let code = c.code.clone();
                                let selected = { let code = code.clone(); move || draft.with(|d| d.category == code) };
                                view! { <option value=code selected=selected>{move || if i18n.locale() == Locale::En { c.name_en.clone() } else { c.name.clone() }}</option> }
                            }).collect_view())}
                        </select>
                        <span class="field-error" data-testid="activity-category-error" role="alert">{move || error_for("category").get()}</span>
                    </label>
                    <label class="field">
                        <span class="field-label">{move || i18n.t("认定级别", "Credit level")}</span>
                        <select data-testid="activity-level" on:change=move |ev| {
                            if let Some(level) = CreditLevel::parse(&event_target_value(&ev)) {
                                edit("credit_level", Box::new(move |d| d.credit_level = level));
                            }
                        }>
                            {move || {
                                let floor = organizer_kind().map(CreditLevel::of).unwrap_or(CreditLevel::Club);
                                CreditLevel::ALL.into_iter().filter(|l| *l >= floor).map(|level| view! {
                                    <option value=level.as_str() selected=move || draft.with(|d| d.credit_level == level)>{move || labels::credit_level(i18n, level)}</option>
                                }).collect_view()
                            }}
                        </select>
                        <span class="field-hint">{move || i18n.t("高于本组织级别的活动需逐级审核", "Levels above your own are reviewed up the tree")}</span>
                        <span class="field-error" role="alert">{move || error_for("credit_level").get()}</span>
                    </label>
                    <label class="field form-grid-wide">
                        <span class="field-label">{move || i18n.t("活动介绍", "Description")}</span>
                        <textarea rows="4" data-testid="activity-description" prop:value=description on:input=on_description></textarea>
                        <span class="field-error" role="alert">{move || error_for("description").get()}</span>
                    </label>
                </div>
            </section>

            <section class="panel">
                <h2>{move || i18n.t("时间与地点", "Time and place")}</h2>
                <p class="muted small">{move || i18n.t("时间均为北京时间。", "Times are Beijing time (UTC+8).")}</p>
                <div class="form-grid">
                    <label class="field">
                        <span class="field-label">{move || i18n.t("开始时间", "Starts")}<span class="required">" *"</span></span>
                        <input type="datetime-local" data-testid="activity-starts" prop:value=starts on:input=on_starts />
                        <span class="field-error" data-testid="activity-starts-error" role="alert">{move || error_for("starts_at").get()}</span>
                    </label>
                    <label class="field">
                        <span class="field-label">{move || i18n.t("结束时间", "Ends")}<span class="required">" *"</span></span>
                        <input type="datetime-local" data-testid="activity-ends" prop:value=ends on:input=on_ends />
                        <span class="field-error" data-testid="activity-ends-error" role="alert">{move || error_for("ends_at").get()}</span>
                    </label>
                    <label class="field">
                        <span class="field-label">{move || i18n.t("地点", "Place")}<span class="required">" *"</span></span>
                        <input type="text" data-testid="activity-place" prop:value=place on:input=on_place />
                        <span class="field-error" data-testid="activity-place-error" role="alert">{move || error_for("place").get()}</span>
                    </label>
                    <label class="field">
                        <span class="field-label">{move || i18n.t("校区", "Campus")}</span>
                        <input type="text" data-testid="activity-campus" prop:value=campus on:input=on_campus />
                        <span class="field-error" role="alert">{move || error_for("campus").get()}</span>
                    </label>
                </div>
            </section>

            <section class="panel">
                <h2>{move || i18n.t("报名设置", "Registration")}</h2>
                <div class="form-grid">
                    <label class="field">
                        <span class="field-label">{move || i18n.t("报名开始", "Opens")}<span class="required">" *"</span></span>
                        <input type="datetime-local" data-testid="activity-opens" prop:value=opens on:input=on_opens />
                        <span class="field-error" role="alert">{move || error_for("registration_opens_at").get()}</span>
                    </label>
                    <label class="field">
                        <span class="field-label">{move || i18n.t("报名截止", "Closes")}<span class="required">" *"</span></span>
                        <input type="datetime-local" data-testid="activity-closes" prop:value=closes on:input=on_closes />
                        <span class="field-error" data-testid="activity-closes-error" role="alert">{move || error_for("registration_closes_at").get()}</span>
                    </label>
                    <label class="field">
                        <span class="field-label">{move || i18n.t("名额（留空为不限）", "Places (empty: no limit)")}</span>
                        <input type="number" inputmode="numeric" min="1" data-testid="activity-capacity" prop:value=capacity on:input=on_capacity />
                        <span class="field-error" data-testid="activity-capacity-error" role="alert">{move || error_for("capacity").get()}</span>
                    </label>
                    <label class="field">
                        <span class="field-label">{move || i18n.t("取消截止（开始前小时数）", "Cancel by (hours before the start)")}</span>
                        <input type="number" inputmode="numeric" min="0" max="720" data-testid="activity-cancel-cutoff" prop:value=cutoff on:input=on_cutoff />
                        <span class="field-hint">{move || i18n.t("之后取消计入缺席记录", "Later cancellations count as no-shows")}</span>
                        <span class="field-error" role="alert">{move || error_for("cancel_cutoff_hours").get()}</span>
                    </label>
                    <label class="field">
                        <span class="field-label">{move || i18n.t("报名方式", "Places by")}</span>
                        <select data-testid="activity-mode" on:change=move |ev| {
                            if let Some(mode) = EnrolmentMode::parse(&event_target_value(&ev)) {
                                edit("capacity", Box::new(move |d| d.mode = mode));
                            }
                        }>
                            {[EnrolmentMode::FirstCome, EnrolmentMode::Review, EnrolmentMode::Lottery].into_iter().map(|mode| view! {
                                <option value=mode.as_str() selected=move || draft.with(|d| d.mode == mode)>{move || labels::enrolment_mode(i18n, mode)}</option>
                            }).collect_view()}
                        </select>
                    </label>
                </div>
                <fieldset class="checks" data-testid="activity-colleges">
                    <legend class="field-label">{move || i18n.t("面向学院（不选为全部）", "Colleges (none: all)")}</legend>
                    {move || colleges.get().and_then(Result::ok).map(|list| list.into_iter().map(|c| {
                        let id = c.id;
                        view! {
                            <label class="check">
                                <input type="checkbox" prop:checked=move || draft.with(|d| d.colleges.contains(&id)) on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    edit("eligibility.colleges", Box::new(move |d| { d.colleges.retain(|c| *c != id); if on { d.colleges.push(id); } }));
                                } />
                                <span>{c.name}</span>
                            </label>
                        }
                    }).collect_view())}
                    <span class="field-error" role="alert">{move || error_for("eligibility.colleges").get()}</span>
                </fieldset>
                <fieldset class="checks" data-testid="activity-years">
                    <legend class="field-label">{move || i18n.t("面向年级（不选为全部）", "Years (none: all)")}</legend>
                    {(this_year - 4..=this_year).map(|year| view! {
                        <label class="check">
                            <input type="checkbox" prop:checked=move || draft.with(|d| d.years.contains(&year)) on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                edit("eligibility.enrolment_years", Box::new(move |d| { d.years.retain(|y| *y != year); if on { d.years.push(year); d.years.sort(); } }));
                            } />
                            <span>{move || match i18n.locale() { Locale::Zh => format!("{year} 级"), Locale::En => year.to_string() }}</span>
                        </label>
                    }).collect_view()}
                </fieldset>
                <fieldset class="checks" data-testid="activity-degrees">
                    <legend class="field-label">{move || i18n.t("面向学历（不选为全部）", "Degrees (none: all)")}</legend>
                    {[Degree::Undergraduate, Degree::Graduate].into_iter().map(|degree| view! {
                        <label class="check">
                            <input type="checkbox" prop:checked=move || draft.with(|d| d.degrees.contains(&degree)) on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                edit("eligibility.degrees", Box::new(move |d| { d.degrees.retain(|x| *x != degree); if on { d.degrees.push(degree); } }));
                            } />
                            <span>{move || labels::degree(i18n, degree)}</span>
                        </label>
                    }).collect_view()}
                </fieldset>
                <InstructorPicker draft=draft error=error_for("instructor_ids") />
            </section>

            <FormBuilder draft=draft touched=touched attempted=attempted checked=checked server_error=server_error />

            {move || server_error.get().filter(|e| e.field.is_none()).map(|error| view! { <ErrorNotice error=error /> })}
            <div class="action-bar action-bar-form">
                <button class="btn" type="submit" data-testid="activity-save" disabled=move || save.pending().get()>
                    {move || if published { i18n.t("保存修改", "Save changes") } else { i18n.t("保存草稿", "Save draft") }}
                </button>
                {(!published).then(|| view! {
                    <button class="btn btn-primary btn-grow" type="button" data-testid="activity-save-submit" disabled=move || save.pending().get()
                        on:click=move |_| submit(true)>
                        {move || i18n.t("保存并提交审核", "Save and submit for review")}
                    </button>
                })}
            </div>
            {move || (attempted.get() && checked.with(|c| !c.is_empty())).then(|| view! {
                <p class="field-error" data-testid="activity-form-invalid">{move || i18n.t("请先修正标红的内容。", "Fix the fields marked in red first.")}</p>
            })}
        </form>
    }
}

fn scroll_to_error() {
    // After the errors render.
    leptos::prelude::request_animation_frame(|| {
        if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| {
            d.query_selector(".activity-form .field-error:not(:empty)")
                .ok()
                .flatten()
        }) {
            el.scroll_into_view_with_bool(false);
        }
    });
}

/// Instructors: search the staff of the user's subtree, tap to add, × to remove.
#[component]
fn InstructorPicker(draft: RwSignal<Draft>, error: Signal<Option<String>>) -> impl IntoView {
    let i18n = use_i18n();
    let q = RwSignal::new(String::new());
    let found = LocalResource::new(move || {
        let q = q.get();
        async move {
            if q.trim().is_empty() {
                return Ok(Vec::new());
            }
            api::staff(Some(&q), None, 1, 8)
                .await
                .map(|page| page.items)
        }
    });
    view! {
        <div class="field" data-testid="activity-instructors">
            <span class="field-label">{move || i18n.t("指导老师", "Instructors")}</span>
            <div class="tags">
                {move || draft.with(|d| d.instructors.clone()).into_iter().map(|(id, name)| view! {
                    <span class="tag tag-removable">{name}
                        <button type="button" class="tag-x" aria-label=move || i18n.t("移除", "Remove")
                            on:click=move |_| draft.update(|d| d.instructors.retain(|(i, _)| *i != id))>"×"</button>
                    </span>
                }).collect_view()}
            </div>
            <input type="search" data-testid="instructor-search" placeholder=move || i18n.t("输入姓名或工号搜索", "Search by name or staff number")
                prop:value=q on:input=move |ev| q.set(event_target_value(&ev)) />
            <ul class="picker">
                {move || found.get().and_then(Result::ok).map(|list| list.into_iter()
                    .filter(|s| s.active && !draft.with(|d| d.instructors.iter().any(|(i, _)| *i == s.id)))
                    .map(|staff| {
                        let (id, name) = (staff.id, staff.name.clone());
                        view! {
                            <li><button type="button" class="picker-item" data-testid="instructor-option" on:click=move |_| {
                                draft.update(|d| d.instructors.push((id, name.clone())));
                                q.set(String::new());
                            }>{staff.name.clone()}<span class="muted small">" " {staff.staff_no} " · " {staff.organization_name}</span></button></li>
                        }
                    }).collect_view())}
            </ul>
            <span class="field-error" role="alert">{move || error.get()}</span>
        </div>
    }
}

/// The builder of the sign-up form's own questions.
#[component]
fn FormBuilder(
    draft: RwSignal<Draft>,
    touched: RwSignal<std::collections::BTreeSet<String>>,
    attempted: RwSignal<bool>,
    checked: Memo<BTreeMap<String, ApiError>>,
    server_error: RwSignal<Option<ApiError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let count = Memo::new(move |_| draft.with(|d| d.fields.len()));
    view! {
        <section class="panel" data-testid="form-builder">
            <div class="panel-head">
                <h2>{move || i18n.t("报名表", "Sign-up form")}</h2>
                <span class="muted small">{move || match i18n.locale() {
                    Locale::Zh => format!("{} / {} 个问题", count.get(), shared::activity::MAX_FIELDS),
                    Locale::En => format!("{} of {} questions", count.get(), shared::activity::MAX_FIELDS),
                }}</span>
            </div>
            <p class="muted small">{move || i18n.t("学号、姓名、学院、班级会自动带出，无需添加。", "Student number, name, college and class come with every sign-up.")}</p>
            <ol class="builder">
                {move || (0..count.get()).map(|i| view! {
                    <FieldEditor index=i draft=draft touched=touched attempted=attempted checked=checked server_error=server_error />
                }).collect_view()}
            </ol>
            <button class="btn btn-block" type="button" data-testid="field-add"
                disabled=move || { count.get() >= shared::activity::MAX_FIELDS }
                on:click=move |_| draft.update(|d| { let key = d.next_key(); d.fields.push(FieldDraft::new(key)); })>
                {move || i18n.t("＋ 添加问题", "+ Add a question")}
            </button>
        </section>
    }
}

#[component]
fn FieldEditor(
    index: usize,
    draft: RwSignal<Draft>,
    touched: RwSignal<std::collections::BTreeSet<String>>,
    attempted: RwSignal<bool>,
    checked: Memo<BTreeMap<String, ApiError>>,
    server_error: RwSignal<Option<ApiError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let i = index;
    let prefix = format!("fields[{i}]");
    let get = move |f: fn(&FieldDraft) -> String| {
        move || draft.with(|d| d.fields.get(i).map(f).unwrap_or_default())
    };
    let kind = Memo::new(move |_| {
        draft.with(|d| d.fields.get(i).map(|f| f.kind).unwrap_or(FieldKind::Text))
    });
    let update = move |change: Box<dyn Fn(&mut FieldDraft)>| {
        draft.update(|d| {
            if let Some(f) = d.fields.get_mut(i) {
                change(f);
            }
        });
        touched.update(|t| {
            t.insert(format!("fields[{i}]"));
        });
    };
    let error = {
        let prefix = prefix.clone();
        move |what: &'static str| {
            let name = format!("{prefix}.{what}");
            let prefix = prefix.clone();
            Signal::derive(move || {
                if let Some(server) = for_field(i18n, server_error.read().as_ref(), &name) {
                    return Some(server);
                }
                let show = attempted.get() || touched.with(|t| t.contains(&prefix));
                checked.with(|c| c.get(&name).filter(|_| show).map(|e| message(i18n, e)))
            })
        }
    };
    let (label_error, key_error, options_error, min_error, max_error) = (
        error("label"),
        error("key"),
        error("options"),
        error("min"),
        error("max"),
    );
    let tid = move |what: &str| format!("field-{i}-{what}");
    let swap = move |other: usize| {
        draft.update(|d| {
            if other < d.fields.len() {
                d.fields.swap(i, other);
            }
        })
    };
    view! {
        <li class="builder-item" data-testid="field-editor" data-index=i.to_string()>
            <div class="builder-head">
                <span class="builder-no">{i + 1}"."</span>
                <select data-testid=tid("kind") aria-label=move || i18n.t("类型", "Type") on:change=move |ev| {
                    let value = event_target_value(&ev);
                    if let Some(kind) = FieldKind::ALL.into_iter().find(|k| format!("{k:?}") == value) {
                        update(Box::new(move |f| f.kind = kind));
                    }
                }>
                    {FieldKind::ALL.into_iter().map(|k| view! {
                        <option value=format!("{k:?}") selected=move || kind.get() == k>{move || labels::field_kind(i18n, k)}</option>
                    }).collect_view()}
                </select>
                <span class="spacer"></span>
                <button type="button" class="btn btn-small icon-btn" data-testid=tid("up") disabled={i == 0} on:click=move |_| { if i > 0 { swap(i - 1) } }
                    aria-label=move || i18n.t("上移", "Move up")>"↑"</button>
                <button type="button" class="btn btn-small icon-btn" data-testid=tid("down") disabled=move || { i + 1 >= draft.with(|d| d.fields.len()) } on:click=move |_| swap(i + 1)
                    aria-label=move || i18n.t("下移", "Move down")>"↓"</button>
                <button type="button" class="btn btn-small icon-btn btn-danger-outline" data-testid=tid("remove")
                    on:click=move |_| draft.update(|d| { if i < d.fields.len() { d.fields.remove(i); } })
                    aria-label=move || i18n.t("删除", "Remove")>"✕"</button>
            </div>
            <div class="form-grid">
                <label class="field">
                    <span class="field-label">{move || i18n.t("问题", "Question")}<span class="required">" *"</span></span>
                    <input type="text" data-testid=tid("label") prop:value=get(|f| f.label.clone())
                        on:input=move |ev| { let v = event_target_value(&ev); update(Box::new(move |f| f.label = v.clone())); } />
                    <span class="field-error" data-testid=tid("label-error") role="alert">{label_error}</span>
                </label>
                <label class="field">
                    <span class="field-label">{move || i18n.t("字段标识（导出列名用）", "Key (for exports)")}</span>
                    <input type="text" class="code" data-testid=tid("key") prop:value=get(|f| f.key.clone())
                        on:input=move |ev| { let v = event_target_value(&ev); update(Box::new(move |f| f.key = v.clone())); } />
                    <span class="field-error" data-testid=tid("key-error") role="alert">{key_error}</span>
                </label>
                {move || matches!(kind.get(), FieldKind::SingleChoice | FieldKind::MultipleChoice).then(|| view! {
                    <label class="field form-grid-wide">
                        <span class="field-label">{move || i18n.t("选项（每行一个）", "Choices (one per line)")}</span>
                        <textarea rows="3" data-testid=tid("options") prop:value=get(|f| f.options.clone())
                            on:input=move |ev| { let v = event_target_value(&ev); update(Box::new(move |f| f.options = v.clone())); }></textarea>
                        <span class="field-error" data-testid=tid("options-error") role="alert">{options_error}</span>
                    </label>
                })}
                {move || (kind.get() == FieldKind::Number).then(|| view! {
                    <label class="field">
                        <span class="field-label">{move || i18n.t("最小值", "Minimum")}</span>
                        <input type="number" data-testid=tid("min") prop:value=get(|f| f.min.clone())
                            on:input=move |ev| { let v = event_target_value(&ev); update(Box::new(move |f| f.min = v.clone())); } />
                        <span class="field-error" data-testid=tid("min-error") role="alert">{min_error}</span>
                    </label>
                    <label class="field">
                        <span class="field-label">{move || i18n.t("最大值", "Maximum")}</span>
                        <input type="number" data-testid=tid("max") prop:value=get(|f| f.max.clone())
                            on:input=move |ev| { let v = event_target_value(&ev); update(Box::new(move |f| f.max = v.clone())); } />
                        <span class="field-error" role="alert">{max_error}</span>
                    </label>
                })}
                <label class="field form-grid-wide">
                    <span class="field-label">{move || i18n.t("填写说明（可选）", "Help (optional)")}</span>
                    <input type="text" data-testid=tid("help") prop:value=get(|f| f.help.clone())
                        on:input=move |ev| { let v = event_target_value(&ev); update(Box::new(move |f| f.help = v.clone())); } />
                </label>
                <label class="check">
                    <input type="checkbox" data-testid=tid("required") prop:checked=move || draft.with(|d| d.fields.get(i).is_some_and(|f| f.required))
                        on:change=move |ev| { let on = event_target_checked(&ev); update(Box::new(move |f| f.required = on)); } />
                    <span>{move || i18n.t("必填", "Required")}</span>
                </label>
            </div>
        </li>
    }
}
