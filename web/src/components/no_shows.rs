//! 诚信记录: a student's no-shows this term, the school's rule and where they stand — shown
//! before the rule applies ("再缺席 1 次…"), and until when it does.

use leptos::prelude::*;
use shared::integrity::NoShowRecord;

use crate::{
    format,
    i18n::{Locale, use_i18n},
    labels,
};

#[component]
pub fn NoShowPanel(record: NoShowRecord) -> impl IntoView {
    let i18n = use_i18n();
    let NoShowRecord {
        term,
        policy,
        standing,
        items,
    } = record;
    let count = standing.count;
    let rule = move || match (i18n.locale(), policy.threshold) {
        (Locale::Zh, 0) => "学校未对缺席设限制，记录仅供参考。".to_owned(),
        (Locale::En, 0) => {
            "The school sets no consequence; the record is for your information.".to_owned()
        }
        (Locale::Zh, n) => format!(
            "学校规定：一学期缺席 {n} 次，{} 天内不能报名先到先得的活动{}。",
            policy.block_days,
            if policy.lottery_last {
                "，抽签时排在其他同学之后"
            } else {
                ""
            }
        ),
        (Locale::En, n) => format!(
            "The school's rule: {n} no-shows in a term pause first-come sign-up for {} days{}.",
            policy.block_days,
            if policy.lottery_last {
                " and draw you after the others in lotteries"
            } else {
                ""
            }
        ),
    };
    let status = move || match (i18n.locale(), standing.blocked_until, standing.remaining) {
        (Locale::Zh, Some(until), _) => format!(
            "已暂停先到先得报名，至 {} 恢复。",
            format::datetime(Locale::Zh, until)
        ),
        (Locale::En, Some(until), _) => format!(
            "First-come sign-up is paused until {}.",
            format::datetime(Locale::En, until)
        ),
        (Locale::Zh, None, Some(n)) if count > 0 => format!("再缺席 {n} 次将适用上述规定。"),
        (Locale::En, None, Some(n)) if count > 0 => format!("{n} more and the rule applies."),
        (Locale::Zh, None, _) if standing.lottery_last => "抽签报名时排在其他同学之后。".to_owned(),
        (Locale::En, None, _) if standing.lottery_last => {
            "Lotteries draw you after the others.".to_owned()
        }
        (Locale::Zh, _, _) => "保持良好记录：报名后按时到场，不能参加请在截止前取消。".to_owned(),
        (Locale::En, _, _) => {
            "Keep it clean: come when signed up, or cancel before the cut-off.".to_owned()
        }
    };
    let warn = standing.blocked_until.is_some() || standing.remaining == Some(1);
    view! {
        <section class="panel no-shows" data-testid="no-show-record" aria-labelledby="no-show-title">
            <div class="no-shows-head">
                <h2 id="no-show-title">{move || i18n.t("诚信记录", "Integrity record")}</h2>
                <span class=if count == 0 { "badge badge-on" } else { "badge badge-warn" } data-testid="no-show-count">
                    {move || match i18n.locale() {
                        Locale::Zh => format!("本学期缺席 {count} 次"),
                        Locale::En => format!("{count} no-show(s) this term"),
                    }}
                </span>
            </div>
            <p class=if warn { "notice notice-warn" } else { "muted" } data-testid="no-show-status">{status}</p>
            <p class="muted small">{rule}{term.map(|t| view! { <span>" · "{move || labels::term_name(i18n, &t, &t)}</span> })}</p>
            {(!items.is_empty()).then(|| view! {
                <ul class="no-show-list">
                    {items.into_iter().map(|n| {
                        let kind = n.kind;
                        let ended = n.ended_at;
                        view! {
                            <li data-testid="no-show">
                                <a href=format!("/activities/{}", n.activity_id)>{n.activity_title}</a>
                                <span class="muted small">
                                    {move || match i18n.locale() { Locale::Zh => kind.label_zh(), Locale::En => kind.label_en() }}
                                    " · "{move || format::datetime(i18n.locale(), ended)}" · "{n.organizer_name.clone()}
                                </span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
        </section>
    }
}
