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
        let unread = LocalResource::new(move || {
            let who =
                session.with_me(|me| me.filter(|me| !me.must_change_password).map(|me| me.id));
            location.pathname.track();
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
