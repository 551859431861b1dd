//! Pagination: every list endpoint takes [`PageParams`] and answers with a [`Page`].

use crate::error::{ApiError, ErrorCode};
use serde::{Deserialize, Serialize};

/// Items per page when the client does not say.
pub const DEFAULT_PER_PAGE: u32 = 20;
/// The most items one page may hold.
pub const MAX_PER_PAGE: u32 = 100;

/// Query parameters of a list request, as sent (`?page=2&per_page=50`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct PageParams {
    /// 1-based page number (default 1).
    #[cfg_attr(feature = "openapi", param(minimum = 1, example = 1))]
    pub page: Option<u32>,
    /// Items per page, 1–100 (default 20).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100, example = 20))]
    pub per_page: Option<u32>,
}

/// A validated page request: only ever holds a page ≥ 1 and 1 ≤ per_page ≤ 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    page: u32,
    per_page: u32,
}

impl PageRequest {
    pub fn page(self) -> u32 {
        self.page
    }
    pub fn per_page(self) -> u32 {
        self.per_page
    }
    /// Rows to skip (`OFFSET`).
    pub fn offset(self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }
    /// Rows to take (`LIMIT`).
    pub fn limit(self) -> i64 {
        i64::from(self.per_page)
    }
}

/// The highest page number asked for (as documented): beyond it nothing is listed anyway.
pub const MAX_PAGE: u32 = 1_000_000;

impl TryFrom<PageParams> for PageRequest {
    type Error = ApiError;

    fn try_from(params: PageParams) -> Result<Self, ApiError> {
        let page = params.page.unwrap_or(1);
        if page == 0 {
            return Err(
                ApiError::new(ErrorCode::InvalidQuery, "page starts at 1").with_field("page")
            );
        }
        if page > MAX_PAGE {
            return Err(ApiError::new(
                ErrorCode::InvalidQuery,
                format!("page must be at most {MAX_PAGE}"),
            )
            .with_field("page"));
        }
        let per_page = params.per_page.unwrap_or(DEFAULT_PER_PAGE);
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(ApiError::new(
                ErrorCode::InvalidQuery,
                format!("per_page must be between 1 and {MAX_PER_PAGE}"),
            )
            .with_field("per_page"));
        }
        Ok(PageRequest { page, per_page })
    }
}

/// One page of a list, with what a client needs to show "page 2 of 7".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    /// 1-based number of this page.
    pub page: u32,
    pub per_page: u32,
    /// Items in the whole list, across all pages.
    pub total: u64,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, request: PageRequest, total: u64) -> Self {
        Page {
            items,
            page: request.page,
            per_page: request.per_page,
            total,
        }
    }

    /// Number of pages (at least 1, so an empty list is "page 1 of 1").
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(u64::from(self.per_page.max(1))).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(page: Option<u32>, per_page: Option<u32>) -> PageParams {
        PageParams { page, per_page }
    }

    #[test]
    fn defaults_to_first_page_of_twenty() {
        let request = PageRequest::try_from(params(None, None)).unwrap();
        assert_eq!(
            (request.page(), request.per_page(), request.offset()),
            (1, 20, 0)
        );
    }

    #[test]
    fn offset_follows_page() {
        let request = PageRequest::try_from(params(Some(3), Some(50))).unwrap();
        assert_eq!((request.offset(), request.limit()), (100, 50));
    }

    #[test]
    fn rejects_out_of_range_with_field() {
        let error = PageRequest::try_from(params(Some(0), None)).unwrap_err();
        assert_eq!(
            (error.code, error.field.as_deref()),
            (ErrorCode::InvalidQuery, Some("page"))
        );
        for bad in [0, 101, 5000] {
            let error = PageRequest::try_from(params(None, Some(bad))).unwrap_err();
            assert_eq!(error.field.as_deref(), Some("per_page"));
        }
    }

    #[test]
    fn page_count() {
        let request = PageRequest::try_from(params(None, Some(10))).unwrap();
        assert_eq!(Page::<u8>::new(vec![], request, 0).pages(), 1);
        assert_eq!(Page::<u8>::new(vec![], request, 10).pages(), 1);
        assert_eq!(Page::<u8>::new(vec![], request, 11).pages(), 2);
    }
}
