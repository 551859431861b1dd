//! The unread notifications count: the badge on the tab bar and on 我的, provided by the
//! layout and refetched as the account or the page changes.

use leptos::prelude::*;

use crate::api;

/// The unread count shown as a badge, shared by the tab bar and 我的 (refetched on demand).
#[derive(Clone, Copy)]
pub struct Unread(pub LocalResource<u64>);

impl Unread {
    /// Counted again whenever the account or the page changes.
    pub fn provide() {
        let session = crate::session::use_session();
        let location = leptos_router::hooks::use_location();
        // Who, not the whole account: the session re-reads `/api/me` as the app starts, which
        // replaces the account with an equal one and would otherwise count again.
        let who = Memo::new(move |_| {
            session.with_me(|me| me.filter(|me| !me.must_change_password).map(|me| me.id))
        });
        let pathname = Memo::new(move |_| location.pathname.get());
        let unread = LocalResource::new(move || {
            let who = who.get();
            pathname.track();
            async move {
                if who.is_none() {
                    return 0;
                }
                api::notifications(true, 1, 1)
                    .await
                    .map(|page| page.total)
                    .unwrap_or(0)
            }
        });
        provide_context(Unread(unread));
    }

    pub fn count(self) -> u64 {
        self.0.get().unwrap_or(0)
    }
}
