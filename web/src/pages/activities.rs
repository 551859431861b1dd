//! 活动: the feed students browse on their phones — cards with category, time, place, organiser,
//! places and phase. Every filter (category, college, campus, dates, open now, search) and the
//! page live in the URL, so a view can be shared and survives a reload.

use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    hooks::{use_navigate, use_query_map},
    params::ParamsMap,
};
use shared::organization::OrgKind;

use crate::{
    api::{self, ActivityFilter, OrgFilter},
    components::{activity::ActivityCard, error::ErrorNotice, pager::Pager},
    format,
    i18n::{Locale, use_i18n},
};

const PER_PAGE: u32 = 10;

/// The feed's state, as the URL holds it.
#[derive(Clone, Debug, Default, PartialEq)]
struct Filters {
    category: String,
    organizer: Option<i64>,
    campus: String,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    open: bool,
    q: String,
    page: u32,
}

impl Filters {
    fn from_query(query: &ParamsMap) -> Filters {
        let date = |key: &str| {
            query
                .get(key)
                .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
        };
        Filters {
            category: query.get("category").unwrap_or_default(),
            organizer: query.get("organizer").and_then(|o| o.parse().ok()),
            campus: query.get("campus").unwrap_or_default(),
            from: date("from"),
            to: date("to"),
            open: query.get("open").as_deref() == Some("1"),
            q: query.get("q").unwrap_or_default(),
            page: query
                .get("page")
                .and_then(|p| p.parse().ok())
                .filter(|p| *p >= 1)
                .unwrap_or(1),
        }
    }

    fn url(&self) -> String {
        let mut parts = Vec::new();
        let mut text = |key: &str, value: &str| {
            if !value.trim().is_empty() {
                parts.push(format!("{key}={}", api::encode(value.trim())));
            }
        };
        text("q", &self.q);
        text("category", &self.category);
        text("campus", &self.campus);
        if let Some(organizer) = self.organizer {
            parts.push(format!("organizer={organizer}"));
        }
        if let Some(from) = self.from {
            parts.push(format!("from={from}"));
        }
        if let Some(to) = self.to {
            parts.push(format!("to={to}"));
        }
        if self.open {
            parts.push("open=1".to_owned());
        }
        if self.page > 1 {
            parts.push(format!("page={}", self.page));
        }
        if parts.is_empty() {
            "/activities".to_owned()
        } else {
            format!("/activities?{}", parts.join("&"))
        }
    }

    fn api(&self) -> ActivityFilter {
        ActivityFilter {
            category: Some(self.category.clone()),
            organizer: self.organizer,
            campus: Some(self.campus.clone()),
            from: self.from.map(format::day_start),
            // Through the end of that day.
            to: self
                .to
                .and_then(|to| to.succ_opt())
                .map(|next| format::day_start(next) - chrono::Duration::seconds(1)),
            open: self.open,
            q: Some(self.q.clone()),
            ..Default::default()
        }
    }

    fn any(&self) -> bool {
        let mut plain = self.clone();
        plain.page = 1;
        plain
            != Filters {
                page: 1,
                ..Default::default()
            }
    }
}

#[component]
pub fn ActivitiesPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let navigate = use_navigate();
    let filters = Memo::new(move |_| Filters::from_query(&query.read()));
    let search = RwSignal::new(filters.get_untracked().q);
    let more = RwSignal::new({
        let f = filters.get_untracked();
        f.organizer.is_some() || !f.campus.is_empty() || f.from.is_some() || f.to.is_some()
    });
    let activities = LocalResource::new(move || {
        let filters = filters.get();
        async move { api::activities(&filters.api(), filters.page, PER_PAGE).await }
    });
    let categories = LocalResource::new(|| async { api::categories().await });
    let colleges = LocalResource::new(|| async {
        api::all_organizations(&OrgFilter {
            kind: Some(OrgKind::College),
            ..Default::default()
        })
        .await
    });
    // A change of filter starts again at page 1.
    let go = move |change: &dyn Fn(&mut Filters)| {
        let mut next = filters.get_untracked();
        next.page = 1;
        change(&mut next);
        navigate(
            &next.url(),
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    };

    view! {
        <div class="page-head">
            <h1>{move || i18n.t("活动", "Activities")}</h1>
            <button class="btn btn-small" type="button" data-testid="feed-refresh" on:click=move |_| activities.refetch()>
                {move || i18n.t("刷新", "Refresh")}
            </button>
        </div>
        <form class="filters" role="search" on:submit=move |ev| ev.prevent_default()>
            <input class="search" type="search" data-testid="feed-search"
                placeholder=move || i18n.t("搜索活动名称或地点", "Search titles and places")
                prop:value=search
                on:input={
                    let go = go.clone();
                    move |ev| {
                        let text = event_target_value(&ev);
                        search.set(text.clone());
                        go(&move |f: &mut Filters| f.q = text.clone());
                    }
                } />
        </form>
        <div class="chips" data-testid="feed-categories">
            <button type="button" class="chip" class:chip-on=move || filters.read().category.is_empty()
                on:click={
                    let go = go.clone();
                    move |_| go(&|f: &mut Filters| f.category.clear())
                }>
                {move || i18n.t("全部", "All")}
            </button>
            {
                let go = go.clone();
                move || categories.get().and_then(Result::ok).map(|page| {
                    page.items.into_iter().filter(|c| c.active).map(|category| {
                        let code = category.code.clone();
                        let on = {
                            let code = code.clone();
                            move || filters.read().category == code
                        };
                        let go = go.clone();
                        view! {
                            <button type="button" class="chip" class:chip-on=on data-category=code.clone()
                                on:click=move |_| {
                                    let code = code.clone();
                                    go(&move |f: &mut Filters| f.category = code.clone())
                                }>
                                {move || if i18n.locale() == Locale::En { category.name_en.clone() } else { category.name.clone() }}
                            </button>
                        }
                    }).collect_view()
                })
            }
        </div>
        <div class="filters filter-row">
            <label class="check">
                <input type="checkbox" data-testid="feed-open" prop:checked=move || filters.read().open
                    on:change={
                        let go = go.clone();
                        move |ev| {
                            let on = event_target_checked(&ev);
                            go(&move |f: &mut Filters| f.open = on)
                        }
                    } />
                <span>{move || i18n.t("只看报名中", "Open for registration")}</span>
            </label>
            <button type="button" class="btn btn-small" data-testid="feed-more-filters" on:click=move |_| more.update(|m| *m = !*m)>
                {move || if more.get() { i18n.t("收起筛选", "Fewer filters") } else { i18n.t("更多筛选", "More filters") }}
            </button>
        </div>
        <div class="filters" class:collapsed=move || !more.get() data-testid="feed-more">
            <select data-testid="feed-college" aria-label=move || i18n.t("学院", "College")
                on:change={
                    let go = go.clone();
                    move |ev| {
                        let organizer = event_target_value(&ev).parse().ok();
                        go(&move |f: &mut Filters| f.organizer = organizer)
                    }
                }>
                <option value="" selected=move || filters.read().organizer.is_none()>{move || i18n.t("全部学院", "All colleges")}</option>
                {move || colleges.get().and_then(Result::ok).map(|list| list.into_iter().map(|college| {
                    let id = college.id;
                    view! { <option value=id.to_string() selected=move || filters.read().organizer == Some(id)>{college.name}</option> }
                }).collect_view())}
            </select>
            <input class="filter-text" type="text" data-testid="feed-campus"
                placeholder=move || i18n.t("校区", "Campus")
                prop:value=move || filters.read().campus.clone()
                on:change={
                    let go = go.clone();
                    move |ev| {
                        let campus = event_target_value(&ev);
                        go(&move |f: &mut Filters| f.campus = campus.clone())
                    }
                } />
            <label class="date-filter">
                <span class="muted small">{move || i18n.t("从", "From")}</span>
                <input type="date" data-testid="feed-from" prop:value=move || filters.read().from.map(|d| d.to_string()).unwrap_or_default()
                    on:change={
                        let go = go.clone();
                        move |ev| {
                            let from = NaiveDate::parse_from_str(&event_target_value(&ev), "%Y-%m-%d").ok();
                            go(&move |f: &mut Filters| f.from = from)
                        }
                    } />
            </label>
            <label class="date-filter">
                <span class="muted small">{move || i18n.t("至", "To")}</span>
                <input type="date" data-testid="feed-to" prop:value=move || filters.read().to.map(|d| d.to_string()).unwrap_or_default()
                    on:change={
                        let go = go.clone();
                        move |ev| {
                            let to = NaiveDate::parse_from_str(&event_target_value(&ev), "%Y-%m-%d").ok();
                            go(&move |f: &mut Filters| f.to = to)
                        }
                    } />
            </label>
        </div>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {
                let go = go.clone();
                move || activities.get().map(|result| match result {
                    Ok(page) if page.items.is_empty() => {
                        let filtered = filters.read().any();
                        let go = go.clone();
                        view! {
                            <div class="empty" data-testid="feed-empty">
                                <p class="empty-icon" aria-hidden="true">"☆"</p>
                                <p>{move || if filtered { i18n.t("没有符合条件的活动。", "No activity matches.") } else { i18n.t("暂时还没有活动。", "No activities yet.") }}</p>
                                {filtered.then(|| view! {
                                    <button class="btn" type="button" data-testid="feed-clear" on:click=move |_| {
                                        search.set(String::new());
                                        go(&|f: &mut Filters| *f = Filters::default())
                                    }>{move || i18n.t("清除筛选", "Clear the filters")}</button>
                                })}
                                {(!filtered).then(|| view! {
                                    <p class="muted">{move || i18n.t("新活动发布后会出现在这里，稍后再来看看。", "New activities appear here once published; check back later.")}</p>
                                })}
                            </div>
                        }.into_any()
                    }
                    Ok(page) => {
                        let (current, pages, total) = (page.page, page.pages(), page.total);
                        let go = go.clone();
                        view! {
                            <div class="cards activity-cards" data-testid="feed">
                                {page.items.into_iter().map(|activity| {
                                    let href = format!("/activities/{}", activity.id);
                                    view! { <ActivityCard activity=activity href=href /> }
                                }).collect_view()}
                            </div>
                            <Pager page=current pages=pages total=total on_page=Callback::new(move |page: u32| {
                                go(&move |f: &mut Filters| f.page = page)
                            }) />
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| activities.refetch()) /> }.into_any(),
                })
            }
        </Transition>
    }
}
