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
        (name = "guidance", description = "Guidance (精准育人): the open activities that close a student's gap to the requirement, and advisers' reminders"),
        (name = "cadres", description = "Student cadres (党团学干部): position types, the register, assessment rounds within the school's ratio standard"),
        (name = "practice", description = "Practice teams (三下乡) and training records, their reports and certification"),
        (name = "surveys", description = "Surveys (问卷) — anonymous or named, results from five respondents up — and activity evaluations (活动评价)"),
        (name = "insight", description = "Live statistics (智能统计分析) of an organisation's subtree, and the instructor workload sheet (指导老师工作量表)"),
        (name = "reports", description = "Monthly work reports (工作月报): each college's month frozen on the 28th and filed, the school's report over them"),
        (name = "transcripts", description = "Transcripts (成绩单): three styles, PDF, batch printing, public verification by serial"),
        (name = "certificates", description = "E-certificates (电子奖状, 志愿时卡, 聘书, 荣誉证书): templates and seals, issuing from awards, volunteer hours, positions and honours, PDF/PNG and zip downloads, revocation, public verification by serial"),
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
    common_answers(&mut doc);
    doc
}

/// Bounds a derive cannot state: the inner rows of the rules' competition table (4 × 4).
fn nested_bounds(doc: &mut Document) {
    use utoipa::openapi::schema::ArrayItems;
    use utoipa::openapi::{RefOr, Schema};
    let Some(RefOr::T(Schema::Object(rules))) = doc
        .components
        .as_mut()
        .and_then(|c| c.schemas.get_mut("RuleSet"))
    else {
        panic!("the RuleSet schema is in the document");
    };
    if let Some(RefOr::T(Schema::Array(table))) = rules.properties.get_mut("competition")
        && let ArrayItems::RefOrSchema(row) = &mut table.items
        && let RefOr::T(Schema::Array(row)) = row.as_mut()
    {
        row.min_items = Some(4);
        row.max_items = Some(4);
    }
}

/// What every operation can answer besides its own outcomes, added where the operation does not
/// say it already: the answers of the extractors and middleware that stand before every handler
/// (a malformed path, query or body, a NUL character, the body's size and type), of the bearer
/// token (401, 403), of a path naming nothing the caller may see (404), of the domain rules on a
/// body (422), and of an unreachable database (503). And the paging parameters' bounds, which
/// `PageRequest` enforces. So a client generated from the document knows every status.
fn common_answers(doc: &mut Document) {
    nested_bounds(doc);
    use utoipa::openapi::{
        ContentBuilder, KnownFormat, ObjectBuilder, Ref, RefOr, ResponseBuilder, SchemaFormat,
        Type, path::ParameterIn,
    };
    let error = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ApiError")))
                        .build(),
                )
                .build(),
        )
    };
    let bounded = |min: i64, max: i64| {
        RefOr::T(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
                .minimum(Some(min))
                .maximum(Some(max))
                .into(),
        )
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        let api = path.starts_with("/api/");
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            let parameters = operation.parameters.as_deref().unwrap_or_default();
            let in_path = parameters
                .iter()
                .any(|p| matches!(p.parameter_in, ParameterIn::Path));
            let in_query = parameters
                .iter()
                .any(|p| matches!(p.parameter_in, ParameterIn::Query));
            let body = operation.request_body.as_ref();
            let json_body = body.is_some_and(|b| b.content.contains_key("application/json"));
            let bearer = operation.security.as_ref().is_some_and(|requirements| {
                serde_json::to_value(requirements)
                    .map(|v| v.to_string().contains("\"bearer\""))
                    .unwrap_or(false)
            });
            let mut add = |status: &str, applies: bool, description: &str| {
                if applies && !operation.responses.responses.contains_key(status) {
                    operation
                        .responses
                        .responses
                        .insert(status.to_owned(), error(description));
                }
            };
            add(
                "400",
                in_path || in_query || json_body,
                "A malformed path or query parameter or JSON body (`invalid_path`, `invalid_query`, `malformed_json`), or a NUL character in one; `field` names it",
            );
            add(
                "401",
                bearer,
                "Not signed in, or the access token is invalid, expired or of an ended session (`unauthenticated`, `invalid_token`, `token_expired`, `session_ended`)",
            );
            add(
                "403",
                bearer,
                "Not allowed: a permission or role is missing, the account is disabled, or its password must be changed first (`forbidden`, `account_disabled`, `password_change_required`)",
            );
            add(
                "404",
                in_path || in_query || body.is_some(),
                "Nothing by an identifier given (in the path, the query or the body) that the caller may see (`not_found`)",
            );
            add(
                "413",
                body.is_some(),
                "The body is larger than the endpoint accepts (`payload_too_large`)",
            );
            add(
                "415",
                json_body,
                "The body is not sent as `application/json` (`unsupported_media_type`)",
            );
            add(
                "422",
                body.is_some() || in_query,
                "A value the rules refuse (`validation_failed`); `field` names it",
            );
            add(
                "503",
                api,
                "The database cannot be reached (`database_unavailable`): retry after `Retry-After` seconds",
            );
            for parameter in operation.parameters.iter_mut().flatten() {
                if !matches!(parameter.parameter_in, ParameterIn::Query) {
                    continue;
                }
                match parameter.name.as_str() {
                    "page" => {
                        parameter.schema = Some(bounded(1, i64::from(shared::page::MAX_PAGE)))
                    }
                    "per_page" => {
                        parameter.schema = Some(bounded(1, i64::from(shared::page::MAX_PER_PAGE)))
                    }
                    _ => {}
                }
            }
        }
    }
}

/// The document as committed: pretty JSON with a final newline.
pub fn document_json() -> String {
    let mut json = document()
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
    json.push('\n');
    json
}
