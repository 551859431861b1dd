//! The route table and the app-wide contexts (locale, school profile).

use leptos::prelude::*;
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};

use crate::{components::layout::Layout, i18n, pages};

#[component]
pub fn App() -> impl IntoView {
    i18n::provide();
    // The school's names appear in the header of every page: load them once.
    let school = LocalResource::new(crate::api::school);
    provide_context(school);

    view! {
        <Router>
            <Layout>
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("/") view=pages::home::Home />
                    <Route path=path!("/calendar") view=pages::calendar::CalendarPage />
                    <Route path=path!("/status") view=pages::status::StatusPage />
                </Routes>
            </Layout>
        </Router>
    }
}
