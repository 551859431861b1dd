//! Students and staff, and the bulk import that brings them in from a spreadsheet.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{ApiError, auth};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Degree {
    /// 本科生
    Undergraduate,
    /// 研究生
    Graduate,
}

impl Degree {
    pub fn as_str(self) -> &'static str {
        match self {
            Degree::Undergraduate => "undergraduate",
            Degree::Graduate => "graduate",
        }
    }

    /// Accepts the wire name or the Chinese one (本科 / 本科生 / 研究生 / 硕士 / 博士).
    pub fn parse(text: &str) -> Option<Degree> {
        match text.trim() {
            "undergraduate" | "本科" | "本科生" => Some(Degree::Undergraduate),
            "graduate" | "研究生" | "硕士" | "博士" | "硕士研究生" | "博士研究生" => {
                Some(Degree::Graduate)
            }
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Degree::Undergraduate => "本科生",
            Degree::Graduate => "研究生",
        }
    }
}

/// A student: `GET /api/students`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(example = json!({
        "id": 40, "student_no": "2023010101", "name": "王子涵", "college_id": 2, "college_name": "计算机学院",
        "major": "软件工程", "class_name": "软件2301", "enrolment_year": 2023, "degree": "undergraduate",
        "phone": null, "active": true, "updated_at": "2026-11-28T06:00:00Z"
    }))
)]
pub struct Student {
    /// The student's account id.
    pub id: i64,
    /// 学号: also the account name.
    pub student_no: String,
    pub name: String,
    pub college_id: i64,
    pub college_name: String,
    pub major: String,
    pub class_name: String,
    pub enrolment_year: i32,
    pub degree: Degree,
    pub phone: Option<String>,
    pub active: bool,
    pub updated_at: DateTime<Utc>,
}

/// `POST /api/students`, and one row of an import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(example = json!({
        "student_no": "2024010123", "name": "李明", "college_id": 2, "major": "软件工程",
        "class_name": "软件2401", "enrolment_year": 2024, "degree": "undergraduate", "phone": "13800138000"
    }))
)]
pub struct NewStudent {
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 3, max_length = 64, pattern = "^[A-Za-z0-9_.@-]{3,64}$")
    )]
    pub student_no: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: String,
    pub college_id: i64,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 50))]
    pub major: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 50))]
    pub class_name: String,
    #[cfg_attr(feature = "openapi", schema(minimum = 1990, maximum = 2100))]
    pub enrolment_year: i32,
    pub degree: Degree,
    #[cfg_attr(feature = "openapi", schema(pattern = "^1[3-9][0-9]{9}$"))]
    pub phone: Option<String>,
}

impl NewStudent {
    /// Every field rule, reported on the first field that breaks one.
    pub fn validate(&self) -> Result<(), ApiError> {
        auth::check_username("student_no", &self.student_no)?;
        auth::check_name("name", &self.name)?;
        check_text("major", &self.major, 50)?;
        check_text("class_name", &self.class_name, 50)?;
        check_enrolment_year("enrolment_year", self.enrolment_year)?;
        if let Some(phone) = &self.phone {
            check_phone("phone", phone)?;
        }
        Ok(())
    }
}

/// `PATCH /api/students/{id}`: any subset of the editable fields.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(example = json!({"class_name": "软件2302", "phone": null})))]
pub struct UpdateStudent {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: Option<String>,
    pub college_id: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 50))]
    pub major: Option<String>,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 50))]
    pub class_name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(minimum = 1990, maximum = 2100))]
    pub enrolment_year: Option<i32>,
    pub degree: Option<Degree>,
    /// `null` clears the phone number; absent leaves it.
    #[serde(default, with = "double_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub phone: Option<Option<String>>,
    /// `false` deactivates the student's account.
    pub active: Option<bool>,
}

impl UpdateStudent {
    pub fn validate(&self) -> Result<(), ApiError> {
        if let Some(name) = &self.name {
            auth::check_name("name", name)?;
        }
        if let Some(major) = &self.major {
            check_text("major", major, 50)?;
        }
        if let Some(class_name) = &self.class_name {
            check_text("class_name", class_name, 50)?;
        }
        if let Some(year) = self.enrolment_year {
            check_enrolment_year("enrolment_year", year)?;
        }
        if let Some(Some(phone)) = &self.phone {
            check_phone("phone", phone)?;
        }
        Ok(())
    }
}

/// `POST /api/students` answers the student and a one-time password to hand over (to be
/// changed at the first sign-in).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StudentCreated {
    pub student: Student,
    pub temporary_password: String,
}

/// `POST /api/staff` answers the staff member and a one-time password.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffCreated {
    pub staff: Staff,
    pub temporary_password: String,
}

/// A staff member (instructor, 指导老师): `GET /api/staff`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Staff {
    pub id: i64,
    /// 工号: also the account name.
    pub staff_no: String,
    pub name: String,
    pub organization_id: i64,
    pub organization_name: String,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub active: bool,
}

/// `POST /api/staff`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(example = json!({"staff_no": "T2020015", "name": "陈老师", "organization_id": 2, "title": "讲师", "phone": null}))
)]
pub struct NewStaff {
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 3, max_length = 64, pattern = "^[A-Za-z0-9_.@-]{3,64}$")
    )]
    pub staff_no: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: String,
    pub organization_id: i64,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 50))]
    pub title: Option<String>,
    #[cfg_attr(feature = "openapi", schema(pattern = "^1[3-9][0-9]{9}$"))]
    pub phone: Option<String>,
}

impl NewStaff {
    pub fn validate(&self) -> Result<(), ApiError> {
        auth::check_username("staff_no", &self.staff_no)?;
        auth::check_name("name", &self.name)?;
        if let Some(title) = &self.title {
            check_text("title", title, 50)?;
        }
        if let Some(phone) = &self.phone {
            check_phone("phone", phone)?;
        }
        Ok(())
    }
}

/// `PATCH /api/staff/{id}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateStaff {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: Option<String>,
    pub organization_id: Option<i64>,
    #[serde(default, with = "double_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub title: Option<Option<String>>,
    #[serde(default, with = "double_option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub phone: Option<Option<String>>,
    pub active: Option<bool>,
}

impl UpdateStaff {
    pub fn validate(&self) -> Result<(), ApiError> {
        if let Some(name) = &self.name {
            auth::check_name("name", name)?;
        }
        if let Some(Some(title)) = &self.title {
            check_text("title", title, 50)?;
        }
        if let Some(Some(phone)) = &self.phone {
            check_phone("phone", phone)?;
        }
        Ok(())
    }
}

/// A mainland mobile number: 11 digits starting 13–19.
pub fn check_phone(field: &str, phone: &str) -> Result<(), ApiError> {
    let bytes = phone.as_bytes();
    let ok = bytes.len() == 11
        && bytes.iter().all(u8::is_ascii_digit)
        && bytes[0] == b'1'
        && (b'3'..=b'9').contains(&bytes[1]);
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(
            field,
            "a mobile number has 11 digits and starts with 13–19",
        ))
    }
}

pub fn check_enrolment_year(field: &str, year: i32) -> Result<(), ApiError> {
    if (1990..=2100).contains(&year) {
        Ok(())
    } else {
        Err(ApiError::invalid(
            field,
            "the enrolment year must be between 1990 and 2100",
        ))
    }
}

/// Free text of 1 to `max` characters after trimming (majors, classes, titles).
pub fn check_text(field: &str, text: &str, max: usize) -> Result<(), ApiError> {
    let chars = text.trim().chars().count();
    if (1..=max).contains(&chars) {
        Ok(())
    } else {
        Err(ApiError::invalid(
            field,
            format!("must have 1 to {max} characters"),
        ))
    }
}

/// Bulk import (批量导入).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    Students,
    Staff,
    /// Cadre positions (干部名册), by an organisation with `manage_cadres`.
    Positions,
}

impl ImportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Students => "students",
            ImportKind::Staff => "staff",
            ImportKind::Positions => "positions",
        }
    }

    pub fn parse(text: &str) -> Option<ImportKind> {
        [
            ImportKind::Students,
            ImportKind::Staff,
            ImportKind::Positions,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }

    /// The permission an import of this kind needs.
    pub fn permission(self) -> crate::auth::Permission {
        match self {
            ImportKind::Positions => crate::auth::Permission::ManageCadres,
            _ => crate::auth::Permission::ManageAccounts,
        }
    }
}

/// What confirming an import would do to one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RowAction {
    Create,
    Update,
    /// Already stored exactly so.
    Unchanged,
    /// Refused; `errors` says why. An import with rejected rows cannot be confirmed.
    Reject,
}

/// One problem of a row, on a column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RowError {
    pub column: String,
    pub message: String,
}

/// One data row of the file as the preview judged it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportRow {
    /// Line in the file (the header is line 1).
    pub line: u32,
    /// The student or staff number, as read.
    pub key: String,
    pub name: String,
    pub action: RowAction,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<RowError>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportCounts {
    pub create: u32,
    pub update: u32,
    pub unchanged: u32,
    pub reject: u32,
}

/// `POST /api/imports/{kind}`: nothing is written until `POST /api/imports/{id}/confirm`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportPreview {
    pub id: String,
    pub kind: ImportKind,
    pub file_name: String,
    pub counts: ImportCounts,
    /// Whether it may be confirmed: no rejected row, and something to do.
    pub confirmable: bool,
    pub rows: Vec<ImportRow>,
}

/// An account created by an import, with the one-time password to hand over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssuedCredential {
    pub username: String,
    pub name: String,
    pub temporary_password: String,
}

/// `POST /api/imports/{id}/confirm`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportResult {
    pub id: String,
    pub counts: ImportCounts,
    /// New accounts and their one-time passwords (must be changed at first sign-in).
    pub credentials: Vec<IssuedCredential>,
}

/// `Option<Option<T>>` for PATCH bodies: absent = leave, `null` = clear, value = set.
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(deserializer).map(Some)
    }

    pub fn serialize<T: Serialize, S: Serializer>(
        value: &Option<Option<T>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(serializer),
            None => serializer.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn student() -> NewStudent {
        NewStudent {
            student_no: "2024010123".into(),
            name: "李明".into(),
            college_id: 2,
            major: "软件工程".into(),
            class_name: "软件2401".into(),
            enrolment_year: 2024,
            degree: Degree::Undergraduate,
            phone: Some("13800138000".into()),
        }
    }

    #[test]
    fn a_valid_student_passes_and_each_rule_names_its_field() {
        assert!(student().validate().is_ok());
        type Breaks = fn(&mut NewStudent);
        let cases: [(Breaks, &str); 4] = [
            (|s| s.phone = Some("12345".into()), "phone"),
            (|s| s.enrolment_year = 1800, "enrolment_year"),
            (|s| s.name = "  ".into(), "name"),
            (|s| s.student_no = "学号".into(), "student_no"),
        ];
        for (breaks, field) in cases {
            let mut s = student();
            breaks(&mut s);
            assert_eq!(s.validate().unwrap_err().field.as_deref(), Some(field));
        }
    }

    #[test]
    fn degrees_in_either_language() {
        assert_eq!(Degree::parse("本科生"), Some(Degree::Undergraduate));
        assert_eq!(Degree::parse("硕士"), Some(Degree::Graduate));
        assert_eq!(Degree::parse("graduate"), Some(Degree::Graduate));
        assert_eq!(Degree::parse("大专"), None);
    }

    #[test]
    fn patch_tells_absent_from_null() {
        let absent: UpdateStudent = serde_json::from_str("{}").unwrap();
        let null: UpdateStudent = serde_json::from_str(r#"{"phone": null}"#).unwrap();
        assert_eq!(absent.phone, None);
        assert_eq!(null.phone, Some(None));
    }
}
