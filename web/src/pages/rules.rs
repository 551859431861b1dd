//! 积分规则 (`/admin/rules`): the whole scoring rule set as one form — points per category,
//! the competition matrix, cadres, caps and the graduation requirements. The school admin edits
//! and publishes a new version from a term that has not ended; every other organisation
//! account reads it. Numbers are typed as decimals (0.2) and kept in hundredths; the form is
//! checked as it is typed with `RuleSet::validate` — the server's own check — and a preview
//! runs `shared::rules::evaluate` on sample facts, so the admin sees what a change grants
//! before publishing it.

use std::collections::BTreeMap;

use leptos::prelude::*;
use shared::{
    ApiError,
    attendance::{Award, AwardLevel, ParticipantRole},
    points::{
        NewRuleSet, NewTerm, Reevaluation, ReevaluationStatus, RuleSetVersion, RulesPreview, Term,
    },
    rules::{
        CadreLevel, CategoryRule, Fact, FactKind, Grade, GradePoints, Grant, Points, Reduction,
        Requirement, Requirements, RuleSet, evaluate,
    },
};

use crate::{
    api,
    components::{
        error::ErrorNotice,
        points_nav::{
            CategoryNames, PointsNav, PointsPage, category_names, is_school_admin, points_message,
            today,
        },
        table::{Cell, DataTable},
    },
    format,
    i18n::{I18n, Locale, use_i18n},
    labels,
    session::use_session,
};

const LEVELS: [AwardLevel; 4] = [
    AwardLevel::College,
    AwardLevel::School,
    AwardLevel::Province,
    AwardLevel::National,
];
const AWARDS: [Award; 4] = [Award::First, Award::Second, Award::Third, Award::Honourable];
const CADRE_LEVELS: [CadreLevel; 4] = [
    CadreLevel::Club,
    CadreLevel::College,
    CadreLevel::School,
    CadreLevel::Class,
];
const GRADES: [Grade; 4] = [
    Grade::Incompetent,
    Grade::Fair,
    Grade::Competent,
    Grade::Excellent,
];

// ---------------------------------------------------------------------------------------------
// The form: what the inputs hold, as typed

/// One category's row, as typed.
#[derive(Clone, Debug, PartialEq)]
struct CategoryRow {
    code: String,
    per_attendance: String,
    per_hour: String,
    /// Empty: no cap.
    cap: String,
    /// The cap over the whole degree; empty: none.
    cap_degree: String,
}

/// A degree's requirement, as typed: category code → minimum (empty: none).
#[derive(Clone, Debug, Default, PartialEq)]
struct RequirementForm {
    per_category: BTreeMap<String, String>,
    total: String,
    /// Category code → hours required (empty: none).
    hours_per_category: BTreeMap<String, String>,
    /// Empty or 0: none.
    total_hours: String,
}

/// The whole rule set as typed. Field names follow `RuleSet`'s, so the problems it reports
/// carry the same names as the server's (`categories[2].per_hour`, `team_member_percent` …).
#[derive(Clone, Debug, PartialEq)]
struct RuleForm {
    categories: Vec<CategoryRow>,
    competition: [[String; 4]; 4],
    participation: String,
    team_member_percent: String,
    practice_hours_per_day: String,
    cadre: [String; 4],
    grade_percent: [String; 4],
    cap_per_term: String,
    /// Position type code → points for 优秀, 称职, 一般称职, 不称职 (`Grade::ALL`'s order); a
    /// type whose four are all empty is left out of the matrix.
    cadre_matrix: BTreeMap<String, [String; 4]>,
    cadre_highest_only: bool,
    undergraduate: RequirementForm,
    graduate: RequirementForm,
}

fn optional(points: Option<Points>) -> String {
    points.map(|p| p.to_string()).unwrap_or_default()
}

/// A degree's requirement inputs per category: points, or (`hours`) hours.
fn requirement_map<'f>(f: &'f RuleForm, degree: &str, hours: bool) -> &'f BTreeMap<String, String> {
    let form = if degree == "undergraduate" {
        &f.undergraduate
    } else {
        &f.graduate
    };
    if hours {
        &form.hours_per_category
    } else {
        &form.per_category
    }
}

fn requirement_map_mut<'f>(
    f: &'f mut RuleForm,
    degree: &str,
    hours: bool,
) -> &'f mut BTreeMap<String, String> {
    let form = if degree == "undergraduate" {
        &mut f.undergraduate
    } else {
        &mut f.graduate
    };
    if hours {
        &mut form.hours_per_category
    } else {
        &mut form.per_category
    }
}

impl RequirementForm {
    fn from(requirement: &Requirement) -> RequirementForm {
        RequirementForm {
            per_category: requirement
                .per_category
                .iter()
                .map(|(code, points)| (code.clone(), points.to_string()))
                .collect(),
            total: requirement.total.to_string(),
            hours_per_category: requirement
                .hours_per_category
                .iter()
                .map(|(code, hours)| (code.clone(), format::number(*hours)))
                .collect(),
            total_hours: if requirement.total_hours > 0.0 {
                format::number(requirement.total_hours)
            } else {
                String::new()
            },
        }
    }
}

impl RuleForm {
    fn from(rules: &RuleSet) -> RuleForm {
        RuleForm {
            categories: rules
                .categories
                .iter()
                .map(|rule| CategoryRow {
                    code: rule.category.clone(),
                    per_attendance: rule.per_attendance.to_string(),
                    per_hour: rule.per_hour.to_string(),
                    cap: optional(rule.cap_per_term),
                    cap_degree: optional(rule.cap_per_degree),
                })
                .collect(),
            competition: rules.competition.map(|row| row.map(|p| p.to_string())),
            participation: rules.participation.to_string(),
            team_member_percent: rules.team_member_percent.to_string(),
            practice_hours_per_day: Points::from_f64(rules.practice_hours_per_day).to_string(),
            cadre: CADRE_LEVELS.map(|level| rules.cadre_base(level).to_string()),
            grade_percent: rules.grade_percent.map(|g| g.to_string()),
            cap_per_term: optional(rules.cap_per_term),
            cadre_matrix: rules
                .cadre_matrix
                .iter()
                .map(|(code, row)| (code.clone(), Grade::ALL.map(|g| row.of(g).to_string())))
                .collect(),
            cadre_highest_only: rules.cadre_highest_only,
            undergraduate: RequirementForm::from(&rules.requirements.undergraduate),
            graduate: RequirementForm::from(&rules.requirements.graduate),
        }
    }

    /// The rule set the inputs describe, and what is wrong with them: unreadable inputs (each
    /// then counts as 0 so the preview keeps working), then the first rule `validate` finds.
    fn build(&self) -> (RuleSet, BTreeMap<String, String>) {
        let mut problems = BTreeMap::new();
        let mut points = |field: String, text: &str| -> Points {
            text.parse::<Points>().unwrap_or_else(|error| {
                problems.insert(field, error.message().to_owned());
                Points::ZERO
            })
        };
        let categories = self
            .categories
            .iter()
            .enumerate()
            .map(|(i, row)| CategoryRule {
                category: row.code.clone(),
                per_attendance: points(
                    format!("categories[{i}].per_attendance"),
                    &row.per_attendance,
                ),
                per_hour: points(format!("categories[{i}].per_hour"), &row.per_hour),
                cap_per_term: (!row.cap.trim().is_empty())
                    .then(|| points(format!("categories[{i}].cap_per_term"), &row.cap)),
                cap_per_degree: (!row.cap_degree.trim().is_empty())
                    .then(|| points(format!("categories[{i}].cap_per_degree"), &row.cap_degree)),
            })
            .collect();
        let mut competition = [[Points::ZERO; 4]; 4];
        for (r, row) in self.competition.iter().enumerate() {
            for (c, text) in row.iter().enumerate() {
                competition[r][c] = points(format!("competition[{r}][{c}]"), text);
            }
        }
        let participation = points("participation".into(), &self.participation);
        let cadre_matrix = self
            .cadre_matrix
            .iter()
            .filter(|(_, row)| row.iter().any(|text| !text.trim().is_empty()))
            .map(|(code, row)| {
                let mut cell = |g: usize| {
                    let text = row[g].trim();
                    if text.is_empty() {
                        Points::ZERO
                    } else {
                        points(
                            format!("cadre_matrix.{code}.{}", Grade::ALL[g].as_str()),
                            text,
                        )
                    }
                };
                let grades = GradePoints {
                    excellent: cell(0),
                    competent: cell(1),
                    fair: cell(2),
                    incompetent: cell(3),
                };
                (code.clone(), grades)
            })
            .collect();
        let cadre: Vec<Points> = self
            .cadre
            .iter()
            .enumerate()
            .map(|(i, text)| points(format!("cadre[{i}]"), text))
            .collect();
        let cap_per_term = (!self.cap_per_term.trim().is_empty())
            .then(|| points("cap_per_term".into(), &self.cap_per_term));
        let practice_hours_per_day = points(
            "practice_hours_per_day".into(),
            &self.practice_hours_per_day,
        )
        .as_f64();
        let mut requirement = |degree: &str, form: &RequirementForm| {
            let per_category = form
                .per_category
                .iter()
                .filter(|(_, text)| !text.trim().is_empty())
                .map(|(code, text)| {
                    let field = format!("requirements.{degree}.per_category.{code}");
                    (code.clone(), points(field, text))
                })
                .collect();
            let total = points(format!("requirements.{degree}.total"), &form.total);
            // Hours are kept to hundredths, as points are.
            let hours_per_category = form
                .hours_per_category
                .iter()
                .filter(|(_, text)| !text.trim().is_empty())
                .map(|(code, text)| {
                    let field = format!("requirements.{degree}.hours_per_category.{code}");
                    (code.clone(), points(field, text).as_f64())
                })
                .collect();
            let total_hours = if form.total_hours.trim().is_empty() {
                0.0
            } else {
                points(
                    format!("requirements.{degree}.total_hours"),
                    &form.total_hours,
                )
                .as_f64()
            };
            Requirement {
                per_category,
                total,
                hours_per_category,
                total_hours,
            }
        };
        let requirements = Requirements {
            undergraduate: requirement("undergraduate", &self.undergraduate),
            graduate: requirement("graduate", &self.graduate),
        };
        let mut percent = |field: &str, text: &str| -> i64 {
            match text.parse::<Points>() {
                Ok(p) if p.0 % 100 == 0 => p.0 / 100,
                _ => {
                    problems.insert(field.to_owned(), "enter a whole number".to_owned());
                    0
                }
            }
        };
        let team_member_percent = percent("team_member_percent", &self.team_member_percent);
        let mut grade_percent = [0; 4];
        for (i, text) in self.grade_percent.iter().enumerate() {
            grade_percent[i] = percent(&format!("grade_percent[{i}]"), text);
        }
        let rules = RuleSet {
            categories,
            competition,
            participation,
            team_member_percent,
            practice_hours_per_day,
            cadre,
            grade_percent,
            cadre_matrix,
            cadre_highest_only: self.cadre_highest_only,
            cap_per_term,
            requirements,
        };
        if let Err(error) = rules.validate() {
            let field = error.field.clone().unwrap_or_else(|| "rules".to_owned());
            problems.entry(field).or_insert(error.message);
        }
        (rules, problems)
    }
}

/// What the editor shares with its pieces.
#[derive(Clone, Copy)]
struct Editor {
    form: RwSignal<RuleForm>,
    /// Field → message (untranslated): the browser's check, then the server's answer.
    problems: Memo<BTreeMap<String, String>>,
    server_error: RwSignal<Option<ApiError>>,
    editable: Signal<bool>,
}

impl Editor {
    /// The message for `field`, translated, if any.
    fn error(self, i18n: I18n, field: &str) -> Option<String> {
        self.problems
            .with(|p| p.get(field).cloned())
            .map(|text| points_message(i18n, &text))
    }
}

// ---------------------------------------------------------------------------------------------
// The page

#[component]
pub fn RulesPage() -> impl IntoView {
    let i18n = use_i18n();
    let current = LocalResource::new(|| api::current_rules(None));
    let versions = LocalResource::new(api::rule_versions);
    let terms = LocalResource::new(api::terms);
    let names = category_names();
    let loading = move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> };

    view! {
        <h1>{move || i18n.t("积分规则", "Scoring rules")}</h1>
        <PointsNav current=PointsPage::Rules />
        <Suspense fallback=loading>
            {move || current.get().map(|result| match result {
                Ok(version) => view! {
                    <RulesEditor current=version names=names terms=terms versions=versions />
                }.into_any(),
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| current.refetch()) /> }.into_any(),
            })}
        </Suspense>
        <Terms terms=terms />
    }
}

#[component]
fn RulesEditor(
    current: RuleSetVersion,
    names: LocalResource<CategoryNames>,
    terms: LocalResource<Result<Vec<Term>, ApiError>>,
    versions: LocalResource<Result<Vec<RuleSetVersion>, ApiError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let editable = Signal::derive(move || session.with_me(|me| me.is_some_and(is_school_admin)));
    let form = RwSignal::new(RuleForm::from(&current.rules));
    let server_error = RwSignal::new(None::<ApiError>);
    let built = Memo::new(move |_| form.with(RuleForm::build));
    let problems = Memo::new(move |_| {
        let mut problems = built.with(|(_, problems)| problems.clone());
        if let Some(error) = server_error.get() {
            let field = error.field.as_deref().unwrap_or("");
            if let Some(rule) = field.strip_prefix("rules.") {
                problems.entry(rule.to_owned()).or_insert(error.message);
            }
        }
        problems
    });
    let editor = Editor {
        form,
        problems,
        server_error,
        editable,
    };
    let rules = Memo::new(move |_| built.with(|(rules, _)| rules.clone()));
    let names = Memo::new(move |_| names.get().unwrap_or_default());
    // Which version the form started from (the one in force, or one loaded from the list).
    let base = RwSignal::new(current.version);
    let in_force = RwSignal::new(current.version);
    let dirty = Memo::new(move |_| {
        let base = base.get();
        versions
            .get()
            .and_then(Result::ok)
            .and_then(|list| list.into_iter().find(|v| v.version == base))
            .is_none_or(|v| rules.with(|r| *r != v.rules))
    });
    let load = Callback::new(move |version: RuleSetVersion| {
        form.set(RuleForm::from(&version.rules));
        base.set(version.version);
        server_error.set(None);
    });

    view! {
        {move || (!editable.get()).then(|| view! {
            <p class="notice notice-warn" data-testid="rules-read-only">{move || i18n.t(
                "只有校团委管理员可以修改积分规则。你可以查看现行规则，并用右侧的样例试算积分。",
                "Only the school administrator changes the scoring rules. You can read them and try them on sample facts.",
            )}</p>
        })}
        <p class="muted">
            {move || match i18n.locale() {
                Locale::Zh => format!("现行第 {} 版。", in_force.get()),
                Locale::En => format!("Version {} is in force. ", in_force.get()),
            }}
            {move || (base.get() != in_force.get()).then(|| match i18n.locale() {
                Locale::Zh => format!("表单载入自第 {} 版。", base.get()),
                Locale::En => format!("The form was loaded from version {}. ", base.get()),
            })}
            {move || i18n.t(
                "积分按 0.01 分记录，输入小数即可（如 0.2）；百分比为整数（80 即 ×0.8）。",
                "Points are kept to 0.01: type decimals (0.2); percentages are whole numbers (80 = ×0.8).",
            )}
        </p>
        <div class="rules-layout">
            <form class="rules-form" data-testid="rules-form" novalidate on:submit=move |ev| ev.prevent_default()>
                <CategorySection editor=editor names=names />
                <CompetitionSection editor=editor />
                <CadreSection editor=editor />
                <OtherSection editor=editor />
                <RequirementSection editor=editor names=names />
                {move || problems.with(|p| p.get("rules").cloned()).map(|text| view! {
                    <p class="field-error">{points_message(i18n, &text)}</p>
                })}
            </form>
            <aside class="rules-side">
                <Preview rules=rules names=names invalid=Signal::derive(move || !problems.with(BTreeMap::is_empty)) />
            </aside>
        </div>
        {move || editable.get().then(|| view! {
            <Publish editor=editor rules=rules terms=terms dirty=dirty
                published=Callback::new(move |version: RuleSetVersion| {
                    base.set(version.version);
                    versions.refetch();
                    // From the current term on, the new version is the one in force.
                    leptos::task::spawn_local(async move {
                        if let Ok(current) = api::current_rules(None).await {
                            in_force.set(current.version);
                        }
                    });
                }) />
        })}
        <Versions versions=versions in_force=in_force.into() load=load editable=editable />
    }
}

/// A decimal input bound to one value of the form, its problem underneath.
#[allow(clippy::too_many_arguments)]
fn number(
    editor: Editor,
    i18n: I18n,
    field: Signal<String>,
    label: Signal<String>,
    get: impl Fn(&RuleForm) -> String + Clone + Send + Sync + 'static,
    set: impl Fn(&mut RuleForm, String) + Clone + Send + Sync + 'static,
    testid: String,
    suffix: Option<&'static str>,
) -> impl IntoView {
    let error = Signal::derive(move || field.with(|field| editor.error(i18n, field)));
    let error_testid = format!("{testid}-error");
    view! {
        <span class="num-cell">
            <span class="num-line">
                <input class="num-input" type="text" inputmode="decimal" autocomplete="off"
                    data-testid=testid data-field=field aria-label=label
                    disabled=move || !editor.editable.get()
                    aria-invalid=move || error.with(Option::is_some).to_string()
                    prop:value=move || editor.form.with(|f| get(f))
                    on:input=move |ev| {
                        let text = event_target_value(&ev);
                        let set = set.clone();
                        editor.form.update(move |f| set(f, text));
                        editor.server_error.set(None);
                    } />
                {suffix.map(|s| view! { <span class="num-suffix">{move || if s == "h" { i18n.t("小时", "h") } else { s }}</span> })}
            </span>
            <span class="field-error" data-testid=error_testid role="alert">{move || error.get()}</span>
        </span>
    }
}

/// [`number`] for a value with a fixed place in the form.
fn fixed(
    editor: Editor,
    i18n: I18n,
    field: &str,
    label: (&'static str, &'static str),
    get: impl Fn(&RuleForm) -> String + Clone + Send + Sync + 'static,
    set: impl Fn(&mut RuleForm, String) + Clone + Send + Sync + 'static,
    suffix: Option<&'static str>,
) -> impl IntoView {
    let testid = format!(
        "rules-{}",
        field.replace(['_', '.'], "-").replace(['[', ']'], "")
    );
    let field = field.to_owned();
    number(
        editor,
        i18n,
        Signal::derive(move || field.clone()),
        Signal::derive(move || i18n.t(label.0, label.1).to_owned()),
        get,
        set,
        testid,
        suffix,
    )
}

/// A message for a group of inputs (`competition`, `cadre` …), when the rule names the group.
fn group_error(editor: Editor, i18n: I18n, field: &'static str) -> impl IntoView {
    view! {
        <p class="field-error group-error" data-testid=format!("rules-{field}-error") role="alert">
            {move || editor.error(i18n, field)}
        </p>
    }
}

#[component]
fn CategorySection(editor: Editor, names: Memo<CategoryNames>) -> impl IntoView {
    let i18n = use_i18n();
    let codes = move || {
        editor.form.with(|f| {
            f.categories
                .iter()
                .map(|c| c.code.clone())
                .collect::<Vec<_>>()
        })
    };
    // Categories the server knows that the rules do not mention yet.
    let unused = move || {
        let used = codes();
        names
            .get()
            .into_keys()
            .chain(["cadre".to_owned()])
            .filter(|code| !used.contains(code))
            .collect::<Vec<_>>()
    };
    let adding = RwSignal::new(String::new());
    view! {
        <section class="panel">
            <h2>{move || i18n.t("各类别积分", "Points per category")}</h2>
            <p class="muted small">{move || i18n.t(
                "参加一次活动或服务一小时所得积分；学期上限、学制上限（整个在读期间，计入毕业要求的部分）留空表示不设上限。",
                "Points for attending once or for an hour of service; leave the term cap or the degree cap (over the whole degree, what counts towards graduation) empty for none.",
            )}</p>
            <div class="rules-scroll">
                <table class="rules-grid" data-testid="rules-categories">
                    <thead><tr>
                        <th scope="col">{move || i18n.t("类别", "Category")}</th>
                        <th scope="col">{move || i18n.t("每次参加", "Per attendance")}</th>
                        <th scope="col">{move || i18n.t("每小时", "Per hour")}</th>
                        <th scope="col">{move || i18n.t("学期上限", "Term cap")}</th>
                        <th scope="col">{move || i18n.t("学制上限", "Degree cap")}</th>
                        <th scope="col"><span class="visually-hidden">{move || i18n.t("操作", "Actions")}</span></th>
                    </tr></thead>
                    <tbody>
                        <For each=codes key=|code| code.clone() let:code>
                            <CategoryRowView editor=editor names=names code=code />
                        </For>
                    </tbody>
                </table>
            </div>
            {move || (editor.editable.get() && !unused().is_empty()).then(|| view! {
                <div class="actions">
                    <select aria-label=move || i18n.t("添加类别", "Add a category") data-testid="rules-add-category-select"
                        on:change=move |ev| adding.set(event_target_value(&ev))>
                        <option value="">{move || i18n.t("选择要添加的类别", "Choose a category to add")}</option>
                        {unused().into_iter().map(|code| {
                            let name = labels::category_name(i18n, &names.get_untracked(), &code);
                            view! { <option value=code.clone()>{name}</option> }
                        }).collect_view()}
                    </select>
                    <button type="button" class="btn btn-small" disabled=move || adding.read().is_empty()
                        on:click=move |_| {
                            let code = adding.get_untracked();
                            if code.is_empty() { return; }
                            editor.form.update(|f| f.categories.push(CategoryRow {
                                code,
                                per_attendance: "0".into(),
                                per_hour: "0".into(),
                                cap: String::new(),
                                cap_degree: String::new(),
                            }));
                            adding.set(String::new());
                        }>
                        {move || i18n.t("添加", "Add")}
                    </button>
                </div>
            })}
        </section>
    }
}

#[component]
fn CategoryRowView(editor: Editor, names: Memo<CategoryNames>, code: String) -> impl IntoView {
    let i18n = use_i18n();
    // The row's index now (rows move when one above is removed).
    let at = {
        let code = code.clone();
        Memo::new(move |_| {
            editor
                .form
                .with(|f| f.categories.iter().position(|c| c.code == code))
                .unwrap_or(usize::MAX)
        })
    };
    let name = {
        let code = code.clone();
        Signal::derive(move || labels::category_name(i18n, &names.get(), &code))
    };
    let testid_code = code.clone();
    let cell = move |what: &'static str, zh: &'static str, en: &'static str| {
        let get = move |f: &RuleForm| {
            f.categories
                .get(at.get_untracked())
                .map(|row| match what {
                    "per_attendance" => row.per_attendance.clone(),
                    "per_hour" => row.per_hour.clone(),
                    "cap_per_degree" => row.cap_degree.clone(),
                    _ => row.cap.clone(),
                })
                .unwrap_or_default()
        };
        let set = move |f: &mut RuleForm, text: String| {
            if let Some(row) = f.categories.get_mut(at.get_untracked()) {
                match what {
                    "per_attendance" => row.per_attendance = text,
                    "per_hour" => row.per_hour = text,
                    "cap_per_degree" => row.cap_degree = text,
                    _ => row.cap = text,
                }
            }
        };
        number(
            editor,
            i18n,
            Signal::derive(move || format!("categories[{}].{what}", at.get())),
            Signal::derive(move || format!("{} · {}", name.get(), i18n.t(zh, en))),
            get,
            set,
            format!("rules-category-{}-{}", testid_code, what.replace('_', "-")),
            None,
        )
    };
    let per_attendance = cell.clone()("per_attendance", "每次参加", "per attendance");
    let per_hour = cell.clone()("per_hour", "每小时", "per hour");
    let cap = cell.clone()("cap_per_term", "学期上限", "term cap");
    let cap_degree = cell("cap_per_degree", "学制上限", "degree cap");
    let remove = {
        let code = code.clone();
        move |_| {
            let code = code.clone();
            editor
                .form
                .update(move |f| f.categories.retain(|c| c.code != code));
        }
    };
    view! {
        <tr data-testid="rules-category-row" data-category=code.clone()>
            <Cell zh="类别" en="Category" class="cell-title">
                {move || name.get()}
                {move || editor.error(i18n, &format!("categories[{}]", at.get())).map(|text| view! {
                    <span class="field-error" role="alert">{text}</span>
                })}
                {move || editor.error(i18n, &format!("categories[{}].category", at.get())).map(|text| view! {
                    <span class="field-error" role="alert">{text}</span>
                })}
            </Cell>
            <Cell zh="每次参加" en="Per attendance">{per_attendance}</Cell>
            <Cell zh="每小时" en="Per hour">{per_hour}</Cell>
            <Cell zh="学期上限" en="Term cap">{cap}</Cell>
            <Cell zh="学制上限" en="Degree cap">{cap_degree}</Cell>
            <Cell zh="" en="">
                <button type="button" class="icon-btn remove-btn" class:hidden=move || !editor.editable.get()
                    data-testid="rules-category-remove"
                    title=move || i18n.t("移除该类别", "Remove the category")
                    aria-label=move || format!("{} {}", i18n.t("移除", "Remove"), name.get())
                    on:click=remove>"×"</button>
            </Cell>
        </tr>
    }
}

#[component]
fn CompetitionSection(editor: Editor) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="panel">
            <h2>{move || i18n.t("竞赛获奖", "Competition awards")}</h2>
            <p class="muted small">{move || i18n.t(
                "按获奖级别与等次计分；团队中负责人计全分，其他成员按团队成员系数计。",
                "Points by level and prize; a team's leader gets them in full, other members by the team factor.",
            )}</p>
            <div class="rules-scroll">
                <table class="rules-grid rules-matrix" data-testid="rules-competition">
                    <thead><tr>
                        <th scope="col">{move || i18n.t("级别", "Level")}</th>
                        {AWARDS.into_iter().map(|award| view! {
                            <th scope="col">{move || labels::award(i18n, award)}</th>
                        }).collect_view()}
                    </tr></thead>
                    <tbody>
                        {LEVELS.into_iter().enumerate().map(|(r, level)| view! {
                            <tr>
                                <th scope="row" class="matrix-level">{move || labels::award_level(i18n, level)}</th>
                                {AWARDS.into_iter().enumerate().map(|(c, award)| {
                                    let field = format!("competition[{r}][{c}]");
                                    view! {
                                        <td data-label=move || labels::award(i18n, award)>
                                            {number(
                                                editor,
                                                i18n,
                                                Signal::derive(move || field.clone()),
                                                Signal::derive(move || format!("{} · {}", labels::award_level(i18n, level), labels::award(i18n, award))),
                                                move |f| f.competition[r][c].clone(),
                                                move |f, text| f.competition[r][c] = text,
                                                format!("rules-competition-{r}-{c}"),
                                                None,
                                            )}
                                        </td>
                                    }
                                }).collect_view()}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            {group_error(editor, i18n, "competition")}
            <div class="rules-pairs">
                <label class="rules-pair">
                    <span>{move || i18n.t("参与（未获奖）", "Took part (no prize)")}</span>
                    {fixed(editor, i18n, "participation", ("参与（未获奖）", "Took part"),
                        |f| f.participation.clone(), |f, t| f.participation = t, None)}
                </label>
                <label class="rules-pair">
                    <span>{move || i18n.t("团队成员系数", "Team member factor")}</span>
                    {fixed(editor, i18n, "team_member_percent", ("团队成员系数", "Team member factor"),
                        |f| f.team_member_percent.clone(), |f, t| f.team_member_percent = t, Some("%"))}
                </label>
            </div>
        </section>
    }
}

#[component]
fn CadreSection(editor: Editor) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="panel">
            <h2>{move || i18n.t("学生干部", "Student cadres")}</h2>
            <p class="muted small">{move || i18n.t(
                "按任职级别计分，再乘以学期考核等次的系数。",
                "Points by the position's level, times the factor of the term's assessment.",
            )}</p>
            <div class="rules-pairs">
                {CADRE_LEVELS.into_iter().enumerate().map(|(i, level)| view! {
                    <label class="rules-pair">
                        <span>{move || labels::cadre_level(i18n, level)}</span>
                        {number(editor, i18n,
                            Signal::derive(move || format!("cadre[{i}]")),
                            Signal::derive(move || labels::cadre_level(i18n, level).to_owned()),
                            move |f| f.cadre[i].clone(), move |f, t| f.cadre[i] = t,
                            format!("rules-cadre-{i}"), None)}
                    </label>
                }).collect_view()}
            </div>
            <h3 class="rules-subtitle">{move || i18n.t("考核等次系数", "Assessment factors")}</h3>
            <div class="rules-pairs">
                {GRADES.into_iter().enumerate().map(|(i, grade)| view! {
                    <label class="rules-pair">
                        <span>{move || labels::grade(i18n, grade)}</span>
                        {number(editor, i18n,
                            Signal::derive(move || format!("grade_percent[{i}]")),
                            Signal::derive(move || labels::grade(i18n, grade).to_owned()),
                            move |f| f.grade_percent[i].clone(), move |f, t| f.grade_percent[i] = t,
                            format!("rules-grade-{i}"), Some("%"))}
                    </label>
                }).collect_view()}
            </div>
            {group_error(editor, i18n, "cadre")}
            <CadreMatrix editor=editor />
            <label class="check" data-testid="rules-cadre-highest-only">
                <input type="checkbox" disabled=move || !editor.editable.get()
                    prop:checked=move || editor.form.with(|f| f.cadre_highest_only)
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        editor.form.update(|f| f.cadre_highest_only = on);
                        editor.server_error.set(None);
                    } />
                {move || i18n.t("同一学期担任多个职务时只计最高一项", "Several positions in one term count once, at the highest")}
            </label>
        </section>
    }
}

/// Points by the school's position type × grade: a type with a row earns it instead of level ×
/// factor. A row per position type the school lists, and per code the rules name besides.
#[component]
fn CadreMatrix(editor: Editor) -> impl IntoView {
    let i18n = use_i18n();
    let types = LocalResource::new(api::position_types);
    let rows = move || {
        let listed: Vec<(String, String)> = types
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .map(|t| (t.code, t.name))
            .collect();
        let mut rows = listed.clone();
        editor.form.with(|f| {
            for code in f.cadre_matrix.keys() {
                if !listed.iter().any(|(c, _)| c == code) {
                    rows.push((code.clone(), code.clone()));
                }
            }
        });
        rows
    };
    view! {
        <h3 class="rules-subtitle">{move || i18n.t("按职务类型计分", "Points by position type")}</h3>
        <p class="muted small">{move || i18n.t(
            "填写某职务类型的一行后，该类型的职务按此表计分，不再按级别×系数计算；整行留空表示按级别计分。",
            "A position type with a row here earns its points instead of level × factor; leave a row empty to count by level.",
        )}</p>
        <div class="rules-scroll">
            <table class="rules-grid rules-matrix" data-testid="rules-cadre-matrix">
                <thead><tr>
                    <th scope="col">{move || i18n.t("职务类型", "Position type")}</th>
                    {Grade::ALL.into_iter().map(|grade| view! {
                        <th scope="col">{move || labels::grade(i18n, grade)}</th>
                    }).collect_view()}
                </tr></thead>
                <tbody>
                    <For each=rows key=|(code, name)| (code.clone(), name.clone()) children=move |(code, name): (String, String)| {
                        let row_name = name.clone();
                        view! {
                            <tr data-testid="rules-matrix-row" data-type=code.clone()>
                                <th scope="row" class="matrix-level">{name}</th>
                                {Grade::ALL.into_iter().enumerate().map(|(g, grade)| {
                                    let (get_code, set_code) = (code.clone(), code.clone());
                                    let field = format!("cadre_matrix.{code}.{}", grade.as_str());
                                    let row_name = row_name.clone();
                                    view! {
                                        <td data-label=move || labels::grade(i18n, grade)>
                                            {number(
                                                editor,
                                                i18n,
                                                Signal::derive(move || field.clone()),
                                                Signal::derive(move || format!("{} · {}", row_name, labels::grade(i18n, grade))),
                                                move |f| f.cadre_matrix.get(&get_code).map(|row| row[g].clone()).unwrap_or_default(),
                                                move |f, text| f.cadre_matrix.entry(set_code.clone()).or_default()[g] = text,
                                                format!("rules-matrix-{code}-{g}"),
                                                None,
                                            )}
                                        </td>
                                    }
                                }).collect_view()}
                            </tr>
                        }
                    } />
                </tbody>
            </table>
        </div>
        {move || editor.problems.with(|p| {
            p.iter()
                .find(|(field, _)| field.starts_with("cadre_matrix.") && field.matches('.').count() == 1)
                .map(|(_, text)| text.clone())
        }).map(|text| view! { <p class="field-error group-error" role="alert">{points_message(i18n, &text)}</p> })}
    }
}

#[component]
fn OtherSection(editor: Editor) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="panel">
            <h2>{move || i18n.t("时长与上限", "Hours and caps")}</h2>
            <div class="rules-pairs">
                <label class="rules-pair">
                    <span>{move || i18n.t("社会实践每天计", "A practice day counts")}</span>
                    {fixed(editor, i18n, "practice_hours_per_day", ("社会实践每天计", "A practice day counts"),
                        |f| f.practice_hours_per_day.clone(), |f, t| f.practice_hours_per_day = t, Some("h"))}
                </label>
                <label class="rules-pair">
                    <span>{move || i18n.t("每学期总上限", "Cap per term, in all")}</span>
                    {fixed(editor, i18n, "cap_per_term", ("每学期总上限", "Cap per term"),
                        |f| f.cap_per_term.clone(), |f, t| f.cap_per_term = t, None)}
                </label>
            </div>
            <p class="muted small">{move || i18n.t("总上限留空表示不设上限。", "Leave the cap empty for none.")}</p>
        </section>
    }
}

#[component]
fn RequirementSection(editor: Editor, names: Memo<CategoryNames>) -> impl IntoView {
    let i18n = use_i18n();
    // The rule set's categories, then any others a requirement names.
    let codes = move || {
        editor.form.with(|f| {
            let mut codes: Vec<String> = f.categories.iter().map(|c| c.code.clone()).collect();
            for code in f
                .undergraduate
                .per_category
                .keys()
                .chain(f.graduate.per_category.keys())
                .chain(f.undergraduate.hours_per_category.keys())
                .chain(f.graduate.hours_per_category.keys())
            {
                if !codes.contains(code) {
                    codes.push(code.clone());
                }
            }
            codes
        })
    };
    // One requirement input: a degree's points (`hours` false) or hours for a category.
    let requirement_cell = move |degree: &'static str, code: String, hours: bool| {
        let get = {
            let code = code.clone();
            move |f: &RuleForm| {
                requirement_map(f, degree, hours)
                    .get(&code)
                    .cloned()
                    .unwrap_or_default()
            }
        };
        let set = {
            let code = code.clone();
            move |f: &mut RuleForm, text: String| {
                requirement_map_mut(f, degree, hours).insert(code.clone(), text);
            }
        };
        let (map, testid) = if hours {
            ("hours_per_category", "rules-hours")
        } else {
            ("per_category", "rules-requirement")
        };
        let field = format!("requirements.{degree}.{map}.{code}");
        let label_code = code.clone();
        number(
            editor,
            i18n,
            Signal::derive(move || field.clone()),
            Signal::derive(move || {
                let mut label = format!(
                    "{} · {}",
                    labels::category_name(i18n, &names.get(), &label_code),
                    if degree == "undergraduate" {
                        i18n.t("本科生", "Undergraduate")
                    } else {
                        i18n.t("研究生", "Graduate")
                    },
                );
                if hours {
                    label.push_str(" · ");
                    label.push_str(i18n.t("时长", "hours"));
                }
                label
            }),
            get,
            set,
            format!("{testid}-{degree}-{code}"),
            None,
        )
    };
    view! {
        <section class="panel">
            <h2>{move || i18n.t("毕业要求", "Graduation requirements")}</h2>
            <p class="muted small">{move || i18n.t(
                "毕业前须达到的最低积分和时长（如志愿服务不少于 15 小时）；留空表示不作要求。",
                "The least points and hours needed to graduate (e.g. 15 hours of volunteer service); leave empty for no requirement.",
            )}</p>
            <div class="rules-scroll">
                <table class="rules-grid" data-testid="rules-requirements">
                    <thead><tr>
                        <th scope="col">{move || i18n.t("类别", "Category")}</th>
                        <th scope="col">{move || i18n.t("本科生", "Undergraduate")}</th>
                        <th scope="col">{move || i18n.t("本科生时长", "Undergraduate hours")}</th>
                        <th scope="col">{move || i18n.t("研究生", "Graduate")}</th>
                        <th scope="col">{move || i18n.t("研究生时长", "Graduate hours")}</th>
                    </tr></thead>
                    <tbody>
                        <For each=codes key=|code| code.clone() children=move |code: String| {
                            let undergraduate = requirement_cell("undergraduate", code.clone(), false);
                            let graduate = requirement_cell("graduate", code.clone(), false);
                            let undergraduate_hours = requirement_cell("undergraduate", code.clone(), true);
                            let graduate_hours = requirement_cell("graduate", code.clone(), true);
                            let name = move || labels::category_name(i18n, &names.get(), &code);
                            view! {
                                <tr>
                                    <Cell zh="类别" en="Category" class="cell-title">{name}</Cell>
                                    <Cell zh="本科生" en="Undergraduate">{undergraduate}</Cell>
                                    <Cell zh="本科生时长" en="Undergraduate hours">{undergraduate_hours}</Cell>
                                    <Cell zh="研究生" en="Graduate">{graduate}</Cell>
                                    <Cell zh="研究生时长" en="Graduate hours">{graduate_hours}</Cell>
                                </tr>
                            }
                        } />
                        <tr class="rules-total-row">
                            <Cell zh="类别" en="Category" class="cell-title">{move || i18n.t("总分", "Total")}</Cell>
                            <Cell zh="本科生" en="Undergraduate">
                                {fixed(editor, i18n, "requirements.undergraduate.total", ("本科生总分", "Undergraduate total"),
                                    |f| f.undergraduate.total.clone(), |f, t| f.undergraduate.total = t, None)}
                            </Cell>
                            <Cell zh="本科生时长" en="Undergraduate hours">
                                {fixed(editor, i18n, "requirements.undergraduate.total_hours", ("本科生总时长", "Undergraduate hours in all"),
                                    |f| f.undergraduate.total_hours.clone(), |f, t| f.undergraduate.total_hours = t, None)}
                            </Cell>
                            <Cell zh="研究生" en="Graduate">
                                {fixed(editor, i18n, "requirements.graduate.total", ("研究生总分", "Graduate total"),
                                    |f| f.graduate.total.clone(), |f, t| f.graduate.total = t, None)}
                            </Cell>
                            <Cell zh="研究生时长" en="Graduate hours">
                                {fixed(editor, i18n, "requirements.graduate.total_hours", ("研究生总时长", "Graduate hours in all"),
                                    |f| f.graduate.total_hours.clone(), |f, t| f.graduate.total_hours = t, None)}
                            </Cell>
                        </tr>
                    </tbody>
                </table>
            </div>
        </section>
    }
}

// ---------------------------------------------------------------------------------------------
// Preview on sample facts

/// What a sample fact is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SampleKind {
    Attendance,
    Hours,
    PracticeDays,
    Competition,
    Cadre,
}

impl SampleKind {
    const ALL: [SampleKind; 5] = [
        SampleKind::Attendance,
        SampleKind::Hours,
        SampleKind::PracticeDays,
        SampleKind::Competition,
        SampleKind::Cadre,
    ];

    fn as_str(self) -> &'static str {
        match self {
            SampleKind::Attendance => "attendance",
            SampleKind::Hours => "hours",
            SampleKind::PracticeDays => "practice_days",
            SampleKind::Competition => "competition",
            SampleKind::Cadre => "cadre",
        }
    }

    fn parse(text: &str) -> SampleKind {
        SampleKind::ALL
            .into_iter()
            .find(|k| k.as_str() == text)
            .unwrap_or(SampleKind::Attendance)
    }

    fn label(self, i18n: I18n) -> &'static str {
        match self {
            SampleKind::Attendance => i18n.t("参加活动", "Attendance"),
            SampleKind::Hours => i18n.t("服务时长", "Hours"),
            SampleKind::PracticeDays => i18n.t("实践天数", "Practice days"),
            SampleKind::Competition => i18n.t("竞赛获奖", "Competition"),
            SampleKind::Cadre => i18n.t("担任干部", "Cadre position"),
        }
    }

    /// The category such a fact usually counts under.
    fn category(self) -> &'static str {
        match self {
            SampleKind::Attendance => "lecture",
            SampleKind::Hours => "volunteer",
            SampleKind::PracticeDays => "practice",
            SampleKind::Competition => "competition",
            SampleKind::Cadre => "cadre",
        }
    }
}

/// A sample fact as the admin set it up.
#[derive(Clone, Debug, PartialEq)]
struct Sample {
    /// Its place in the list: facts are evaluated in this order.
    n: u32,
    kind: SampleKind,
    category: String,
    /// Hours or days, as typed.
    amount: String,
    level: AwardLevel,
    award: Award,
    role: ParticipantRole,
    cadre: CadreLevel,
    grade: Grade,
    achievement: String,
}

impl Sample {
    fn new(n: u32, kind: SampleKind) -> Sample {
        Sample {
            n,
            kind,
            category: kind.category().to_owned(),
            amount: match kind {
                SampleKind::PracticeDays => "5".into(),
                _ => "4".into(),
            },
            level: AwardLevel::School,
            award: Award::First,
            role: ParticipantRole::Member,
            cadre: CadreLevel::College,
            grade: Grade::Excellent,
            achievement: String::new(),
        }
    }

    fn id(&self) -> String {
        format!("s{:03}", self.n)
    }

    fn fact(&self) -> Fact {
        let amount = self
            .amount
            .parse::<Points>()
            .map(Points::as_f64)
            .unwrap_or(0.0);
        Fact {
            id: self.id(),
            category: self.category.clone(),
            achievement: Some(self.achievement.trim().to_owned()).filter(|a| !a.is_empty()),
            kind: match self.kind {
                SampleKind::Attendance => FactKind::Attendance,
                SampleKind::Hours => FactKind::Hours { hours: amount },
                SampleKind::PracticeDays => FactKind::PracticeDays {
                    days: amount,
                    hours_per_day: None,
                },
                SampleKind::Competition => FactKind::Competition {
                    level: self.level,
                    award: self.award,
                    role: self.role,
                },
                SampleKind::Cadre => FactKind::Cadre {
                    level: self.cadre,
                    grade: self.grade,
                    position_type: None,
                },
            },
        }
    }
}

/// Why a grant is less than its raw points, in words.
fn reduction(i18n: I18n, reduction: &Reduction, samples: &[Sample]) -> String {
    match reduction {
        Reduction::Superseded { by } => {
            let n = samples
                .iter()
                .position(|s| s.id() == *by)
                .map_or_else(|| by.clone(), |i| (i + 1).to_string());
            match i18n.locale() {
                Locale::Zh => format!("同一成果只按最高计（见第 {n} 条）"),
                Locale::En => format!("Same achievement counted once, at its highest (#{n})"),
            }
        }
        Reduction::DegreeCap => i18n
            .t(
                "已达该类别在校期间上限",
                "Category's cap over the degree reached",
            )
            .to_owned(),
        Reduction::CategoryCap => i18n
            .t("已达该类别学期上限", "Category's term cap reached")
            .to_owned(),
        Reduction::TermCap => i18n.t("已达学期总上限", "Term cap reached").to_owned(),
    }
}

#[component]
fn Preview(
    rules: Memo<RuleSet>,
    names: Memo<CategoryNames>,
    invalid: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let samples = RwSignal::new(vec![
        Sample::new(1, SampleKind::Attendance),
        Sample::new(2, SampleKind::Hours),
    ]);
    let next = RwSignal::new(3u32);
    let adding = RwSignal::new(SampleKind::Competition);
    let grants = Memo::new(move |_| {
        let facts: Vec<Fact> = samples.with(|s| s.iter().map(Sample::fact).collect());
        rules.with(|rules| evaluate(rules, &facts))
    });
    let total = move || Points(grants.with(|g| g.iter().map(|g| g.points.0).sum()));
    let ids = move || samples.with(|s| s.iter().map(|s| s.n).collect::<Vec<_>>());
    let category_codes = Memo::new(move |_| {
        rules.with(|r| {
            r.categories
                .iter()
                .map(|c| c.category.clone())
                .collect::<Vec<_>>()
        })
    });

    view! {
        <section class="panel preview" data-testid="rules-preview">
            <h2>{move || i18n.t("样例试算", "Try it on sample facts")}</h2>
            <p class="muted small">{move || i18n.t(
                "按左侧规则即时计算（与服务器相同的算法）：同一成果按最高计，再依次套用类别上限与学期总上限。",
                "Evaluated with the rules on the left as you edit — the server's own code: an achievement counts once at its highest, then the category caps, then the term cap.",
            )}</p>
            {move || invalid.get().then(|| view! {
                <p class="notice notice-warn small" data-testid="sample-invalid">{move || i18n.t(
                    "规则中有错误，试算结果按当前输入计算，仅供参考。",
                    "The rules have errors: these results follow the inputs as they are, for reference only.",
                )}</p>
            })}
            <ol class="samples">
                <For each=ids key=|n| *n let:n>
                    <SampleRow n=n samples=samples grants=grants names=names codes=category_codes />
                </For>
            </ol>
            <div class="actions">
                <select data-testid="sample-add-kind" aria-label=move || i18n.t("样例类型", "Kind of sample")
                    on:change=move |ev| adding.set(SampleKind::parse(&event_target_value(&ev)))>
                    {SampleKind::ALL.into_iter().map(|kind| view! {
                        <option value=kind.as_str() selected=move || adding.get() == kind>{move || kind.label(i18n)}</option>
                    }).collect_view()}
                </select>
                <button type="button" class="btn btn-small" data-testid="sample-add" on:click=move |_| {
                    let n = next.get_untracked();
                    next.set(n + 1);
                    samples.update(|s| s.push(Sample::new(n, adding.get_untracked())));
                }>{move || i18n.t("添加样例", "Add a sample")}</button>
            </div>
            <p class="preview-total">
                {move || i18n.t("合计认定", "Granted in all")}
                " "
                <strong data-testid="sample-total">{move || total().to_string()}</strong>
                {move || i18n.t(" 分", " points")}
            </p>
        </section>
    }
}

#[component]
fn SampleRow(
    n: u32,
    samples: RwSignal<Vec<Sample>>,
    grants: Memo<Vec<Grant>>,
    names: Memo<CategoryNames>,
    codes: Memo<Vec<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let get = move || samples.with(|s| s.iter().find(|s| s.n == n).cloned());
    let edit = move |change: Box<dyn FnOnce(&mut Sample)>| {
        samples.update(|s| {
            if let Some(sample) = s.iter_mut().find(|s| s.n == n) {
                change(sample);
            }
        })
    };
    let kind = Memo::new(move |_| get().map_or(SampleKind::Attendance, |s| s.kind));
    let position = move || samples.with(|s| s.iter().position(|s| s.n == n).map_or(0, |i| i + 1));
    let grant = Memo::new(move |_| {
        let id = format!("s{n:03}");
        grants.with(|g| g.iter().find(|g| g.fact_id == id).cloned())
    });
    let select = move |testid: &'static str,
                       label: (&'static str, &'static str),
                       options: Vec<(String, Signal<String>)>,
                       current: Signal<String>,
                       on_pick: Box<dyn Fn(String) + Send + Sync>| {
        view! {
            <select data-testid=testid aria-label=move || i18n.t(label.0, label.1)
                on:change=move |ev| on_pick(event_target_value(&ev))>
                {options.into_iter().map(|(value, text)| {
                    let chosen = value.clone();
                    view! { <option value=value selected=move || current.get() == chosen>{move || text.get()}</option> }
                }).collect_view()}
            </select>
        }
    };
    let field = move |f: fn(&Sample) -> String| {
        Signal::derive(move || get().map(|s| f(&s)).unwrap_or_default())
    };
    let details = move || {
        match kind.get() {
        SampleKind::Attendance => ().into_any(),
        SampleKind::Hours | SampleKind::PracticeDays => view! {
            <label class="sample-amount">
                <input class="num-input" type="text" inputmode="decimal" data-testid="sample-amount"
                    aria-label=move || if kind.get() == SampleKind::Hours { i18n.t("小时", "Hours") } else { i18n.t("天数", "Days") }
                    prop:value=field(|s| s.amount.clone())
                    on:input=move |ev| { let text = event_target_value(&ev); edit(Box::new(move |s| s.amount = text)); } />
                <span>{move || if kind.get() == SampleKind::Hours { i18n.t("小时", "h") } else { i18n.t("天", "days") }}</span>
            </label>
        }.into_any(),
        SampleKind::Competition => view! {
            {select("sample-level", ("级别", "Level"),
                LEVELS.into_iter().map(|l| (l.as_str().to_owned(), Signal::derive(move || labels::award_level(i18n, l).to_owned()))).collect(),
                field(|s| s.level.as_str().to_owned()),
                Box::new(move |v| edit(Box::new(move |s| if let Some(l) = LEVELS.into_iter().find(|l| l.as_str() == v) { s.level = l })))) }
            {select("sample-award", ("奖项", "Prize"),
                AWARDS.into_iter().chain([Award::Participation]).map(|a| (a.as_str().to_owned(), Signal::derive(move || labels::award(i18n, a).to_owned()))).collect(),
                field(|s| s.award.as_str().to_owned()),
                Box::new(move |v| edit(Box::new(move |s| if let Some(a) = AWARDS.into_iter().chain([Award::Participation]).find(|a| a.as_str() == v) { s.award = a })))) }
            {select("sample-role", ("角色", "Role"),
                [ParticipantRole::Leader, ParticipantRole::Member, ParticipantRole::Participant].into_iter()
                    .map(|r| (r.as_str().to_owned(), Signal::derive(move || labels::participant_role(i18n, r).to_owned()))).collect(),
                field(|s| s.role.as_str().to_owned()),
                Box::new(move |v| edit(Box::new(move |s| if let Some(r) = [ParticipantRole::Leader, ParticipantRole::Member, ParticipantRole::Participant].into_iter().find(|r| r.as_str() == v) { s.role = r })))) }
        }.into_any(),
        SampleKind::Cadre => view! {
            {select("sample-cadre", ("干部级别", "Position level"),
                CADRE_LEVELS.into_iter().enumerate().map(|(i, l)| (i.to_string(), Signal::derive(move || labels::cadre_level(i18n, l).to_owned()))).collect(),
                field(|s| (s.cadre as usize).to_string()),
                Box::new(move |v| edit(Box::new(move |s| if let Some(l) = v.parse::<usize>().ok().and_then(|i| CADRE_LEVELS.get(i)) { s.cadre = *l })))) }
            {select("sample-grade", ("考核等次", "Assessment"),
                GRADES.into_iter().enumerate().map(|(i, g)| (i.to_string(), Signal::derive(move || labels::grade(i18n, g).to_owned()))).collect(),
                field(|s| (s.grade as usize).to_string()),
                Box::new(move |v| edit(Box::new(move |s| if let Some(g) = v.parse::<usize>().ok().and_then(|i| GRADES.get(i)) { s.grade = *g })))) }
        }.into_any(),
    }
    };
    let category_options = move || {
        let mut list = codes.get();
        let current = get().map(|s| s.category).unwrap_or_default();
        if !list.contains(&current) {
            list.push(current);
        }
        list
    };

    view! {
        <li class="sample" data-testid="sample-row" data-kind=move || kind.get().as_str()>
            <div class="sample-head">
                <span class="sample-no">{move || format!("{}.", position())}</span>
                <select data-testid="sample-kind" aria-label=move || i18n.t("样例类型", "Kind of sample")
                    on:change=move |ev| {
                        let kind = SampleKind::parse(&event_target_value(&ev));
                        edit(Box::new(move |s| { s.kind = kind; s.category = kind.category().to_owned(); }));
                    }>
                    {SampleKind::ALL.into_iter().map(|k| view! {
                        <option value=k.as_str() selected=move || kind.get() == k>{move || k.label(i18n)}</option>
                    }).collect_view()}
                </select>
                <select data-testid="sample-category" aria-label=move || i18n.t("类别", "Category")
                    on:change=move |ev| { let code = event_target_value(&ev); edit(Box::new(move |s| s.category = code)); }>
                    {move || category_options().into_iter().map(|code| {
                        let chosen = code.clone();
                        let name = labels::category_name(i18n, &names.get(), &code);
                        view! { <option value=code selected=move || get().is_some_and(|s| s.category == chosen)>{name}</option> }
                    }).collect_view()}
                </select>
                <button type="button" class="icon-btn btn btn-small" data-testid="sample-remove"
                    title=move || i18n.t("删除样例", "Remove the sample") aria-label=move || i18n.t("删除样例", "Remove the sample")
                    on:click=move |_| samples.update(|s| s.retain(|s| s.n != n))>"×"</button>
            </div>
            <div class="sample-details">
                {details}
                <input class="sample-achievement" type="text" data-testid="sample-achievement"
                    placeholder=move || i18n.t("同一成果标识（可选）", "Same-achievement key (optional)")
                    aria-label=move || i18n.t("同一成果标识", "Same-achievement key")
                    prop:value=field(|s| s.achievement.clone())
                    on:input=move |ev| { let text = event_target_value(&ev); edit(Box::new(move |s| s.achievement = text)); } />
            </div>
            {move || grant.get().map(|grant| {
                let reduced = grant.points != grant.raw;
                let why = grant.reduction.as_ref().map(|r| samples.with(|s| reduction(i18n, r, s)));
                view! {
                    <p class="sample-grant">
                        <span class="muted">{move || i18n.t("原始", "Raw")}</span>
                        " "<span data-testid="sample-raw">{grant.raw.to_string()}</span>
                        <span class="muted">" → "{move || i18n.t("认定", "granted")}</span>
                        " "<strong data-testid="sample-granted" class:bad=reduced>{grant.points.to_string()}</strong>
                        {(grant.hours > 0.0).then(|| view! { <span class="muted">{format!(" · {} h", Points::from_f64(grant.hours))}</span> })}
                        {why.map(|why| view! { <span class="sample-why" data-testid="sample-why">{why}</span> })}
                    </p>
                }
            })}
        </li>
    }
}

// ---------------------------------------------------------------------------------------------
// Publishing and the versions

#[component]
fn Publish(
    editor: Editor,
    rules: Memo<RuleSet>,
    terms: LocalResource<Result<Vec<Term>, ApiError>>,
    dirty: Memo<bool>,
    published: Callback<RuleSetVersion>,
) -> impl IntoView {
    let i18n = use_i18n();
    let open_terms = Memo::new(move |_| {
        let today = today();
        terms
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .filter(|t| t.ends_on >= today)
            .collect::<Vec<_>>()
    });
    let chosen = RwSignal::new(None::<i64>);
    // The term containing today, until the admin picks another.
    let term = Memo::new(move |_| {
        chosen.get().or_else(|| {
            let today = today();
            open_terms.with(|list| {
                list.iter()
                    .find(|t| t.starts_on <= today)
                    .or(list.first())
                    .map(|t| t.id)
            })
        })
    });
    let note = RwSignal::new(String::new());
    let done = RwSignal::new(None::<RuleSetVersion>);
    // The impact of the rules as they were when previewed (a later edit makes it stale).
    let impact = RwSignal::new(None::<(RuleSet, RulesPreview)>);
    let preview = Action::new_local(move |request: &NewRuleSet| {
        let request = request.clone();
        async move {
            match api::preview_rules(&request).await {
                Ok(answer) => {
                    editor.server_error.set(None);
                    impact.set(Some((request.rules, answer)));
                }
                Err(error) => editor.server_error.set(Some(error)),
            }
        }
    });
    let publish = Action::new_local(move |request: &NewRuleSet| {
        let request = request.clone();
        async move {
            match api::publish_rules(&request).await {
                Ok(version) => {
                    editor.server_error.set(None);
                    note.set(String::new());
                    done.set(Some(version.clone()));
                    published.run(version);
                }
                Err(error) => editor.server_error.set(Some(error)),
            }
        }
    });
    let blocked = move || !editor.problems.with(BTreeMap::is_empty);
    let field_error = move |field: &'static str| {
        editor
            .server_error
            .get()
            .filter(|e| e.field.as_deref() == Some(field))
            .map(|e| points_message(i18n, &e.message))
    };
    let note_error = move || {
        (note.with(|n| n.chars().count()) > 500)
            .then(|| points_message(i18n, "at most 500 characters"))
            .or_else(|| field_error("note"))
    };
    // Errors without a field of the form: the term has ended (409), no permission …
    let other_error = move || {
        editor.server_error.get().filter(|e| {
            !e.field
                .as_deref()
                .is_some_and(|f| f.starts_with("rules") || f == "note" || f == "effective_term_id")
        })
    };

    view! {
        <section class="panel publish" data-testid="rules-publish-panel">
            <h2>{move || i18n.t("发布新版本", "Publish a new version")}</h2>
            <p class="muted small">{move || i18n.t(
                "新版本自所选学期起施行；已结束学期保留其认定时的规则。",
                "The new version applies from the chosen term on; terms that have ended keep the rules they were recognised under.",
            )}</p>
            <div class="form-grid">
                <label class="field">
                    <span class="field-label">{move || i18n.t("生效学期", "Effective from")}</span>
                    <select data-testid="rules-term" on:change=move |ev| chosen.set(event_target_value(&ev).parse().ok())>
                        {move || open_terms.get().into_iter().map(|t| {
                            let id = t.id;
                            view! { <option value=id.to_string() selected=move || term.get() == Some(id)>{t.name}</option> }
                        }).collect_view()}
                    </select>
                    <span class="field-error" role="alert">{move || field_error("effective_term_id")}</span>
                </label>
                <label class="field">
                    <span class="field-label">{move || i18n.t("修订说明", "What changed")}</span>
                    <textarea data-testid="rules-note" rows="2" maxlength="500"
                        placeholder=move || i18n.t("如：团队成员系数调整为 50%", "e.g. team members now count 50 %")
                        aria-invalid=move || note_error().is_some().to_string()
                        prop:value=note on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                    <span class="field-error" data-testid="rules-note-error" role="alert">{note_error}</span>
                </label>
            </div>
            {move || blocked().then(|| view! {
                <p class="notice notice-error" data-testid="rules-blocked" role="alert">{move || i18n.t(
                    "规则中有错误（已在对应位置标出），改正后才能发布。",
                    "The rules have errors (marked where they are); fix them to publish.",
                )}</p>
            })}
            {move || other_error().map(|error| view! { <ErrorNotice error=error /> })}
            {move || done.get().map(|version| {
                let term = version.effective_term.map(|t| t.name).unwrap_or_default();
                let number = version.version;
                view! {
                    <p class="notice notice-ok" role="status" data-testid="rules-published">{move || match i18n.locale() {
                        Locale::Zh => format!("已发布第 {number} 版，自{term}起施行。"),
                        Locale::En => format!("Version {number} published; it applies from {term}."),
                    }}</p>
                    <Reevaluating version=number />
                }
            })}
            {move || impact.get().map(|(previewed, answer)| {
                let stale = Signal::derive(move || rules.with(|r| *r != previewed));
                view! { <Impact preview=answer stale=stale /> }
            })}
            <div class="actions">
                <button type="button" class="btn" data-testid="rules-preview-impact"
                    disabled=move || blocked() || term.get().is_none() || preview.pending().get()
                    on:click=move |_| {
                        let Some(effective_term_id) = term.get_untracked() else { return };
                        preview.dispatch(NewRuleSet {
                            effective_term_id,
                            rules: rules.get_untracked(),
                            note: note.get_untracked().trim().to_owned(),
                        });
                    }>
                    {move || if preview.pending().get() { i18n.t("计算中…", "Working it out…") } else { i18n.t("预览影响", "Preview the impact") }}
                </button>
                <button type="button" class="btn btn-primary" data-testid="rules-publish"
                    disabled=move || blocked() || term.get().is_none() || note_error().is_some() || publish.pending().get()
                    on:click=move |_| {
                        let Some(effective_term_id) = term.get_untracked() else { return };
                        done.set(None);
                        publish.dispatch(NewRuleSet {
                            effective_term_id,
                            rules: rules.get_untracked(),
                            note: note.get_untracked().trim().to_owned(),
                        });
                    }>
                    {move || if publish.pending().get() { i18n.t("发布中…", "Publishing…") } else { i18n.t("发布", "Publish") }}
                </button>
                {move || (!dirty.get()).then(|| view! {
                    <span class="muted small">{move || i18n.t("（与所载入的版本相同）", "(same as the version loaded)")}</span>
                })}
            </div>
        </section>
    }
}

/// What publishing would change, for whom: counts, then the largest changes.
#[component]
fn Impact(preview: RulesPreview, stale: Signal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let RulesPreview {
        affected,
        evaluated,
        changed,
        gaining,
        losing,
        points_before,
        points_after,
        sample,
    } = preview;
    view! {
        <div class="impact" data-testid="rules-impact">
            {move || stale.get().then(|| view! {
                <p class="notice notice-warn" data-testid="rules-impact-stale">{move || i18n.t(
                    "规则在预览后又有修改，请重新预览。",
                    "The rules changed after this preview; preview again.",
                )}</p>
            })}
            <div class="stats">
                <div class="stat"><strong data-testid="impact-affected">{affected}</strong><span>{move || i18n.t("将重新计算的学生", "Students re-evaluated")}</span></div>
                <div class="stat"><strong data-testid="impact-changed">{changed}</strong><span>{move || match i18n.locale() {
                    Locale::Zh => format!("总分会变化（抽查 {evaluated} 人）"),
                    Locale::En => format!("Whose total changes (of {evaluated} checked)"),
                }}</span></div>
                <div class="stat"><strong>{format!("+{gaining} / -{losing}")}</strong><span>{move || i18n.t("增加 / 减少", "Gaining / losing")}</span></div>
            </div>
            <p class="muted small" data-testid="impact-points">{move || match i18n.locale() {
                Locale::Zh => format!("抽查学生的积分合计：{points_before} → {points_after}"),
                Locale::En => format!("Points of the students checked, in all: {points_before} → {points_after}"),
            }}</p>
            {(!sample.is_empty()).then(|| view! {
                <DataTable columns=vec![("学号", "Student no."), ("姓名", "Name"), ("现在", "Now"), ("发布后", "After"), ("变化", "Change")] testid="impact-sample">
                    {sample.into_iter().map(|row| {
                        let change = Points(row.after.0 - row.before.0);
                        let (up, down) = (change.0 > 0, change.0 < 0);
                        view! {
                            <tr data-testid="impact-row">
                                <Cell zh="学号" en="Student no." class="cell-key">{row.student_no}</Cell>
                                <Cell zh="姓名" en="Name" class="cell-title">{row.name}</Cell>
                                <Cell zh="现在" en="Now" class="cell-key">{row.before.to_string()}</Cell>
                                <Cell zh="发布后" en="After" class="cell-key">{row.after.to_string()}</Cell>
                                <Cell zh="变化" en="Change" class="cell-key">
                                    <span class:good=up class:bad=down>{format::signed(change)}</span>
                                </Cell>
                            </tr>
                        }
                    }).collect_view()}
                </DataTable>
            })}
        </div>
    }
}

/// The background re-evaluation a publication started, followed until it ends.
#[component]
fn Reevaluating(version: i32) -> impl IntoView {
    let i18n = use_i18n();
    let state = RwSignal::new(None::<Reevaluation>);
    let error = RwSignal::new(None::<ApiError>);
    crate::timer::repeat(move || async move {
        let finished = state.with_untracked(|s| {
            s.as_ref()
                .is_some_and(|s| s.status != ReevaluationStatus::Running)
        });
        if finished {
            return std::time::Duration::from_secs(3600);
        }
        match api::reevaluation(version).await {
            Ok(fresh) => {
                state.set(Some(fresh));
                error.set(None);
            }
            Err(e) => error.set(Some(e)),
        }
        std::time::Duration::from_secs(2)
    });
    let share = move || {
        state.with(|s| match s {
            Some(s) if s.status == ReevaluationStatus::Done => 100.0,
            Some(s) if s.total > 0 => f64::from(s.done) / f64::from(s.total) * 100.0,
            _ => 0.0,
        })
    };
    let status = move || state.with(|s| s.as_ref().map(|s| s.status));
    view! {
        <div class="job" data-testid="rules-reevaluation"
            data-status=move || match status() {
                Some(ReevaluationStatus::Done) => "done",
                Some(ReevaluationStatus::Failed) => "failed",
                _ => "running",
            }>
            <p class="small">{move || state.with(|s| match (s, i18n.locale()) {
                (None, _) => i18n.t("正在重新计算学生积分…", "Re-evaluating the students' points…").to_owned(),
                (Some(s), Locale::Zh) => match s.status {
                    ReevaluationStatus::Running => format!("正在重新计算：{} / {} 名学生", s.done, s.total),
                    ReevaluationStatus::Done => format!("重新计算完成：{} 名学生，其中 {} 名积分有变化", s.total, s.changed),
                    ReevaluationStatus::Failed => format!("重新计算失败：{}", s.error.clone().unwrap_or_default()),
                },
                (Some(s), Locale::En) => match s.status {
                    ReevaluationStatus::Running => format!("Re-evaluating: {} of {} students", s.done, s.total),
                    ReevaluationStatus::Done => format!("Re-evaluated {} students; {} changed", s.total, s.changed),
                    ReevaluationStatus::Failed => format!("Re-evaluation failed: {}", s.error.clone().unwrap_or_default()),
                },
            })}</p>
            <div class="meter" class:meter-done=move || status() == Some(ReevaluationStatus::Done)
                class:meter-failed=move || status() == Some(ReevaluationStatus::Failed)
                role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=move || format!("{:.0}", share())>
                <div class="meter-fill" style=move || format!("width: {:.1}%", share())></div>
            </div>
            {move || error.get().map(|e| view! { <ErrorNotice error=e /> })}
        </div>
    }
}

#[component]
fn Versions(
    versions: LocalResource<Result<Vec<RuleSetVersion>, ApiError>>,
    in_force: Signal<i32>,
    load: Callback<RuleSetVersion>,
    editable: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <h2 class="section-title">{move || i18n.t("历史版本", "Versions")}</h2>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || versions.get().map(|result| match result {
                Ok(list) if list.is_empty() => view! {
                    <p class="muted" data-testid="rules-versions-empty">{move || i18n.t("还没有发布过规则，当前使用默认规则。", "No version published yet: the default rules apply.")}</p>
                }.into_any(),
                Ok(list) => view! {
                    <DataTable columns=vec![("版本", "Version"), ("生效学期", "Effective from"), ("说明", "Note"), ("发布人", "By"), ("发布时间", "When"), ("", "")] testid="rules-versions">
                        {list.into_iter().map(|version| {
                            let number = version.version;
                            let at = version.created_at;
                            let term = version.effective_term.as_ref().map(|t| t.name.clone());
                            let loaded = version.clone();
                            view! {
                                <tr data-testid="rules-version-row" data-version=number>
                                    <Cell zh="版本" en="Version" class="cell-key">
                                        {move || match i18n.locale() { Locale::Zh => format!("第 {number} 版"), Locale::En => format!("v{number}") }}
                                        {move || (number == in_force.get()).then(|| view! { " " <span class="badge badge-on" data-testid="rules-in-force">{move || i18n.t("现行", "In force")}</span> })}
                                    </Cell>
                                    <Cell zh="生效学期" en="Effective from">{
                                        let term = term.clone();
                                        move || term.clone().unwrap_or_else(|| i18n.t("首个学期起", "From the first term").to_owned())
                                    }</Cell>
                                    <Cell zh="说明" en="Note" class="cell-title">{
                                        let note = version.note.clone();
                                        move || labels::rule_note(i18n, &note)
                                    }</Cell>
                                    <Cell zh="发布人" en="By">{version.created_by.clone().unwrap_or_default()}</Cell>
                                    <Cell zh="发布时间" en="When" class="cell-nowrap">{move || format::datetime(i18n.locale(), at)}</Cell>
                                    <Cell zh="" en="">
                                        <button type="button" class="btn btn-small" data-testid="rules-version-load"
                                            on:click=move |_| load.run(loaded.clone())>
                                            {move || if editable.get() { i18n.t("以此为底稿", "Edit from this") } else { i18n.t("查看", "View") }}
                                        </button>
                                    </Cell>
                                </tr>
                            }
                        }).collect_view()}
                    </DataTable>
                }.into_any(),
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| versions.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

// ---------------------------------------------------------------------------------------------
// The terms

/// How many ended terms the list shows before 显示更早的学期.
const RECENT_ENDED_TERMS: usize = 4;

/// 学期: the calendar of terms every rule version and ledger entry refers to, and (for the
/// school admin) a form to add the next one — suggested from the last, checked as typed with
/// `NewTerm::validate`, the server's own check; an overlap answers 409.
#[component]
fn Terms(terms: LocalResource<Result<Vec<Term>, ApiError>>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let editable = move || session.with_me(|me| me.is_some_and(is_school_admin));
    let adding = RwSignal::new(false);
    let added = RwSignal::new(None::<Term>);
    let show_all = RwSignal::new(false);
    view! {
        <section class="panel terms-panel" data-testid="terms-panel">
            <div class="panel-head">
                <h2>{move || i18n.t("学期", "Terms")}</h2>
                {move || (editable() && !adding.get()).then(|| view! {
                    <button type="button" class="btn btn-small" data-testid="term-add"
                        on:click=move |_| { added.set(None); adding.set(true); }>
                        {move || i18n.t("添加学期", "Add a term")}
                    </button>
                })}
            </div>
            <p class="muted small">{move || i18n.t(
                "学期首尾相接、互不重叠；积分按发生日期所在学期计入，规则版本按学期生效。",
                "Terms follow each other without overlapping; points count in the term of the day they happened, and rule versions apply from a term on.",
            )}</p>
            {move || added.get().map(|term| {
                let name = term.name;
                view! {
                    <p class="notice notice-ok" role="status" data-testid="term-added">{move || match i18n.locale() {
                        Locale::Zh => format!("已添加{name}。"),
                        Locale::En => format!("{name} added."),
                    }}</p>
                }
            })}
            {move || adding.get().then(|| {
                let last = terms.get().and_then(Result::ok).and_then(|list| list.last().cloned());
                view! {
                    <TermForm last=last
                        cancel=Callback::new(move |()| adding.set(false))
                        added=Callback::new(move |term: Term| {
                            adding.set(false);
                            added.set(Some(term));
                            terms.refetch();
                        }) />
                }
            })}
            <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
                {move || terms.get().map(|result| match result {
                    Ok(list) => {
                        let today = today();
                        // Newest first: the terms to come, the current one and the last few
                        // that ended, unless all are asked for.
                        let ended = list.iter().filter(|t| t.ends_on < today).count();
                        let hidden = ended.saturating_sub(RECENT_ENDED_TERMS);
                        let shown = if show_all.get() { list.len() } else { list.len() - hidden };
                        view! {
                            <DataTable columns=vec![("代码", "Code"), ("名称", "Name"), ("起止", "Dates"), ("", "")] testid="terms">
                                {list.into_iter().rev().take(shown).map(|term| {
                                    let starts = term.starts_on;
                                    let ends = term.ends_on;
                                    let state = if ends < today {
                                        ("已结束", "Ended", "badge-off")
                                    } else if starts > today {
                                        ("未开始", "Upcoming", "badge-kind")
                                    } else {
                                        ("进行中", "Current", "badge-on")
                                    };
                                    let code = term.code.clone();
                                    let (term_code, term_name) = (term.code.clone(), term.name.clone());
                                    view! {
                                        <tr data-testid="term-row" data-code=code>
                                            <Cell zh="代码" en="Code" class="cell-nowrap code">{term.code.clone()}</Cell>
                                            <Cell zh="名称" en="Name">{
                                                let (code, name) = (term_code.clone(), term_name.clone());
                                                move || labels::term_name(i18n, &code, &name)
                                            }</Cell>
                                            <Cell zh="起止" en="Dates" class="cell-nowrap">
                                                {move || format!("{} – {}", format::date(i18n.locale(), starts), format::date(i18n.locale(), ends))}
                                            </Cell>
                                            <Cell zh="" en="">
                                                <span class=format!("badge {}", state.2)>{move || i18n.t(state.0, state.1)}</span>
                                            </Cell>
                                        </tr>
                                    }
                                }).collect_view()}
                            </DataTable>
                            {(hidden > 0).then(|| view! {
                                <button type="button" class="btn btn-small" data-testid="terms-all"
                                    on:click=move |_| show_all.update(|all| *all = !*all)>
                                    {move || match (show_all.get(), i18n.locale()) {
                                        (true, Locale::Zh) => "收起已结束的学期".to_owned(),
                                        (true, Locale::En) => "Fewer ended terms".to_owned(),
                                        (false, Locale::Zh) => format!("显示更早的 {hidden} 个学期"),
                                        (false, Locale::En) => format!("Show {hidden} earlier terms"),
                                    }}
                                </button>
                            })}
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| terms.refetch()) /> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

#[component]
fn TermForm(last: Option<Term>, cancel: Callback<()>, added: Callback<Term>) -> impl IntoView {
    let i18n = use_i18n();
    let suggested = last.as_ref().and_then(NewTerm::following);
    let code = RwSignal::new(
        suggested
            .as_ref()
            .map(|t| t.code.clone())
            .unwrap_or_default(),
    );
    let name = RwSignal::new(
        suggested
            .as_ref()
            .map(|t| t.name.clone())
            .unwrap_or_default(),
    );
    let starts_on = RwSignal::new(
        suggested
            .as_ref()
            .map(|t| t.starts_on.to_string())
            .unwrap_or_default(),
    );
    let ends_on = RwSignal::new(
        suggested
            .as_ref()
            .map(|t| t.ends_on.to_string())
            .unwrap_or_default(),
    );
    let server_error = RwSignal::new(None::<ApiError>);
    let touched = RwSignal::new(false);
    // The request as typed, or the first problem with it (its field and message).
    let request = Memo::new(move |_| {
        let date = |field: &'static str, text: String| {
            chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .map_err(|_| (field.to_owned(), "enter a date".to_owned()))
        };
        let request = NewTerm {
            code: code.get().trim().to_owned(),
            name: name.get().trim().to_owned(),
            starts_on: date("starts_on", starts_on.get())?,
            ends_on: date("ends_on", ends_on.get())?,
        };
        request
            .validate()
            .map_err(|e| (e.field.unwrap_or_default(), e.message))?;
        Ok(request)
    });
    let error_of = move |field: &'static str| {
        let local = request.with(|r| match r {
            Err((f, message)) if f == field => Some(points_message(i18n, message)),
            _ => None,
        });
        local.filter(|_| touched.get()).or_else(|| {
            server_error
                .get()
                .filter(|e| e.field.as_deref() == Some(field))
                .map(|e| points_message(i18n, &e.message))
        })
    };
    let other_error = move || {
        server_error.get().filter(|e| {
            !matches!(
                e.field.as_deref(),
                Some("code" | "name" | "starts_on" | "ends_on")
            )
        })
    };
    let save = Action::new_local(move |request: &NewTerm| {
        let request = request.clone();
        async move {
            match api::create_term(&request).await {
                Ok(term) => {
                    server_error.set(None);
                    added.run(term);
                }
                Err(error) => server_error.set(Some(error)),
            }
        }
    });
    let field = move |zh: &'static str,
                      en: &'static str,
                      key: &'static str,
                      kind: &'static str,
                      value: RwSignal<String>| {
        view! {
            <label class="field">
                <span class="field-label">{move || i18n.t(zh, en)}</span>
                <input type=kind data-testid=format!("term-{key}") prop:value=value
                    aria-invalid=move || error_of(key).is_some().to_string()
                    on:input=move |ev| { touched.set(true); server_error.set(None); value.set(event_target_value(&ev)); } />
                <span class="field-error" role="alert" data-testid=format!("term-{key}-error")>{move || error_of(key)}</span>
            </label>
        }
    };
    view! {
        <form class="term-form" data-testid="term-form" on:submit=move |ev| {
            ev.prevent_default();
            touched.set(true);
            if let Ok(request) = request.get_untracked() {
                save.dispatch(request);
            }
        }>
            <div class="form-grid">
                {field("学期代码", "Code", "code", "text", code)}
                {field("名称", "Name", "name", "text", name)}
                {field("开始日期", "Starts on", "starts_on", "date", starts_on)}
                {field("结束日期", "Ends on", "ends_on", "date", ends_on)}
            </div>
            {move || other_error().map(|error| view! {
                <p class="notice notice-error" role="alert" data-testid="term-error">{points_message(i18n, &error.message)}</p>
            })}
            <div class="actions">
                <button type="submit" class="btn btn-primary" data-testid="term-save"
                    disabled=move || save.pending().get() || (touched.get() && request.with(Result::is_err))>
                    {move || if save.pending().get() { i18n.t("保存中…", "Saving…") } else { i18n.t("添加", "Add") }}
                </button>
                <button type="button" class="btn" on:click=move |_| cancel.run(())>{move || i18n.t("取消", "Cancel")}</button>
            </div>
        </form>
    }
}
