//! Activity categories (活动类别): listed for everyone, kept by the school admin.

use actix_web::{get, put, web};
use diesel_async::AsyncConnection;
use serde::Deserialize;
use serde_json::json;
use shared::{ApiError, ErrorCode, Page, activity::Category, auth::Permission, page::PageRequest};
use utoipa::ToSchema;

use crate::{
    AppState,
    auth::Actor,
    db::{self, audit::Change},
    error::AppError,
};

/// `PUT /api/categories/{code}`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"name": "劳动教育", "name_en": "Labour education", "active": true}))]
pub struct CategoryInput {
    pub name: String,
    pub name_en: String,
    #[serde(default = "yes")]
    pub active: bool,
    /// Working days after the end within which results must be recognised (1–60); none:
    /// no deadline. Competitions and volunteer service keep the notice's 10.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 60)]
    pub recognition_working_days: Option<u32>,
}

fn yes() -> bool {
    true
}

/// List activity categories
///
/// In display order, the inactive ones last (existing activities keep them).
#[utoipa::path(
    tag = "activities",
    responses((status = 200, description = "Every category (one page)", body = Page<Category>)),
    security(("bearer" = [])),
)]
#[get("/categories")]
pub async fn list(
    state: web::Data<AppState>,
    _actor: Actor,
) -> Result<web::Json<Page<Category>>, AppError> {
    let mut conn = state.db.conn().await?;
    let items = db::categories::list(&mut conn).await?;
    let total = items.len() as u64;
    let page = PageRequest::try_from(shared::PageParams {
        page: Some(1),
        per_page: Some(100),
    })?;
    Ok(web::Json(Page::new(items, page, total)))
}

/// Create or change a category
///
/// The school admin's (the root organisation with `manage_accounts`). Deactivating hides a
/// category from new activities.
#[utoipa::path(
    tag = "activities",
    params(("code" = String, Path, description = "Category code: 2–32 lowercase letters, digits or _")),
    request_body = CategoryInput,
    responses(
        (status = 200, description = "The category", body = Category),
        (status = 403, description = "Not the school admin", body = ApiError),
        (status = 422, description = "Invalid field", body = ApiError),
    ),
    security(("bearer" = [])),
)]
#[put("/categories/{code}")]
pub async fn put(
    state: web::Data<AppState>,
    actor: Actor,
    code: web::Path<String>,
    body: web::Json<CategoryInput>,
) -> Result<web::Json<Category>, AppError> {
    actor.require(Permission::ManageAccounts)?;
    if actor.org.path.len() != 1 {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "categories are kept by the school committee",
        ));
    }
    let code = code.into_inner();
    if !(2..=32).contains(&code.len())
        || !code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(ApiError::invalid("code", "use 2–32 lowercase letters, digits or _").into());
    }
    let input = body.into_inner();
    if !(1..=30).contains(&input.name.trim().chars().count()) {
        return Err(ApiError::invalid("name", "a name has 1 to 30 characters").into());
    }
    if !(1..=60).contains(&input.name_en.trim().chars().count()) {
        return Err(ApiError::invalid("name_en", "a name has 1 to 60 characters").into());
    }
    let days = input.recognition_working_days;
    if days.is_some_and(|d| !(1..=60).contains(&d)) {
        return Err(
            ApiError::invalid("recognition_working_days", "between 1 and 60 working days").into(),
        );
    }
    let fixed = shared::attendance::CATEGORIES_WITH_DEADLINE.contains(&code.as_str());
    if fixed && days.is_some_and(|d| d != shared::attendance::RECOGNITION_WORKING_DAYS) {
        return Err(ApiError::invalid(
            "recognition_working_days",
            "the founding notice fixes 10 working days for competitions and volunteer service",
        )
        .into());
    }
    let category = Category {
        code: code.clone(),
        name: input.name.trim().to_owned(),
        name_en: input.name_en.trim().to_owned(),
        active: input.active,
        recognition_working_days: shared::attendance::recognition_days(&code, days),
    };
    let mut conn = state.db.conn().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        crate::cache::REFERENCE_WRITES.bump();
        db::categories::upsert(conn, &category, actor.account_id).await?;
        db::audit::record(
            conn,
            Some(actor.account_id),
            Change {
                organization_id: Some(actor.org.id),
                action: "category.put",
                target_type: "category",
                target_id: category.code.clone(),
                details: json!({"name": category.name, "active": category.active}),
            },
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(web::Json(category))
}
