//! The OpenAPI document: the metadata here, the operations collected from [`crate::routes`].
//! `openapi/openapi.json` is this document, committed; a test fails when they differ.

use actix_web::App;
use utoipa::{
    Modify, OpenApi,
    openapi::{
        OpenApi as Document,
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    },
};
use utoipa_actix_web::{AppExt, scope};

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "第二课堂成绩单 Second Classroom Transcript API",
        description = "REST API of the Second Classroom Transcript platform of a university's Youth \
League committee: activities, sign-up, QR check-in, points, transcripts and reports.\n\n\
Every error is `{\"code\", \"message\", \"field\"}` with a typed `code` (see the `ErrorCode` \
schema) and a fixed HTTP status per code. Lists are paginated with `page` and `per_page` \
(1–100, default 20) and answer `{items, page, per_page, total}`. Times are ISO 8601; dates \
and deadlines are counted in Asia/Shanghai.",
        license(name = "MIT OR Apache-2.0"),
    ),
    tags(
        (name = "system", description = "Health and operations"),
        (name = "school", description = "The school's public profile"),
        (name = "calendar", description = "Working-day calendar: holidays and adjusted working days (调休)"),
        (name = "auth", description = "Signing in and out, tokens, the signed-in account"),
        (name = "organizations", description = "The organisation tree and its accounts"),
        (name = "accounts", description = "Managing one account"),
        (name = "people", description = "Students and staff, and their bulk import"),
        (name = "audit", description = "The append-only audit log"),
        (name = "activities", description = "Activities: publishing and review up the tree (三级发布审核), categories"),
        (name = "registrations", description = "Sign-ups (报名) with publisher-defined fields; waitlist, review and lottery"),
        (name = "notifications", description = "In-app notifications"),
        (name = "attendance", description = "QR check-in and check-out, anomalies, make-up and back-fill (补录)"),
        (name = "results", description = "Results recognition (成绩认定) and its working-day deadlines"),
        (name = "points", description = "Points (成绩积分): terms, versioned scoring rules, the append-only ledger, progress against the requirement, the leaderboard"),
        (name = "transcripts", description = "Transcripts (成绩单): three styles, PDF, batch printing, public verification by serial"),
    ),
    components(schemas(shared::ErrorCode, shared::ApiError)),
    modifiers(&BearerAuth),
)]
struct ApiDoc;

/// Declares the bearer-token scheme that authenticated operations name.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The whole document, as served at `/api/openapi.json`.
pub fn document() -> Document {
    let (_, mut doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes::root)
        .service(scope::scope("/api").configure(routes::api))
        .split_for_parts();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc
}

/// The document as committed: pretty JSON with a final newline.
pub fn document_json() -> String {
    let mut json = document()
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
    json.push('\n');
    json
}
