//! The spreadsheets of insight: a workbook of titled tables (a title row, a header row, rows of
//! numbers and text), one sheet each, written with rust_xlsxwriter. Numbers stay numbers, so a
//! college can sum and chart them in its own office software.

use actix_web::{HttpResponse, http::header};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::error::AppError;

pub const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A cell of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Num(f64),
    /// A share 0–1, shown as a percentage.
    Percent(f64),
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::Text(text.to_owned())
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell::Text(text)
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Cell {
        Cell::Int(n)
    }
}

impl From<f64> for Cell {
    fn from(n: f64) -> Cell {
        Cell::Num(n)
    }
}

/// One table: a sheet of its own, or one of several blocks on a sheet.
pub struct Table {
    pub title: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(title: impl Into<String>, header: &[&str]) -> Table {
        Table {
            title: title.into(),
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }
}

/// A sheet: its name (at most 31 characters) and its tables, one below the other.
pub struct Sheet {
    pub name: String,
    pub tables: Vec<Table>,
}

/// The workbook's bytes.
pub fn workbook(sheets: &[Sheet]) -> Result<Vec<u8>, AppError> {
    build(sheets).map_err(|e| AppError::Internal(format!("cannot write the spreadsheet: {e}")))
}

fn build(sheets: &[Sheet]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let title = Format::new().set_bold().set_font_size(13);
    let head = Format::new()
        .set_bold()
        .set_background_color(0xE8E8E8)
        .set_border_bottom(rust_xlsxwriter::FormatBorder::Thin);
    let percent = Format::new().set_num_format("0.0%");
    let decimal = Format::new().set_num_format("0.##");
    for sheet in sheets {
        let ws = book.add_worksheet();
        ws.set_name(&sheet.name)?;
        let mut row: u32 = 0;
        let mut widths: Vec<usize> = Vec::new();
        for table in &sheet.tables {
            ws.write_string_with_format(row, 0, &table.title, &title)?;
            row += 1;
            for (c, h) in table.header.iter().enumerate() {
                ws.write_string_with_format(row, c as u16, h, &head)?;
                widen(&mut widths, c, h);
            }
            row += 1;
            for cells in &table.rows {
                for (c, cell) in cells.iter().enumerate() {
                    let col = c as u16;
                    match cell {
                        Cell::Text(text) => {
                            ws.write_string(row, col, text)?;
                            widen(&mut widths, c, text);
                        }
                        Cell::Int(n) => {
                            ws.write_number(row, col, *n as f64)?;
                        }
                        Cell::Num(n) => {
                            ws.write_number_with_format(row, col, *n, &decimal)?;
                        }
                        Cell::Percent(n) => {
                            ws.write_number_with_format(row, col, *n, &percent)?;
                        }
                    }
                }
                row += 1;
            }
            row += 1;
        }
        for (c, width) in widths.iter().enumerate() {
            ws.set_column_width(c as u16, (*width as f64).clamp(8.0, 60.0))?;
        }
    }
    book.save_to_buffer()
}

/// Column widths in characters, a Chinese character counting as two.
fn widen(widths: &mut Vec<usize>, column: usize, text: &str) {
    let width: usize = text
        .chars()
        .map(|c| if c.is_ascii() { 1 } else { 2 })
        .sum::<usize>()
        + 2;
    if widths.len() <= column {
        widths.resize(column + 1, 0);
    }
    widths[column] = widths[column].max(width);
}

/// The download answer of a workbook named `file_name` (without `.xlsx`; Chinese is fine).
pub fn download(bytes: Vec<u8>, file_name: &str) -> HttpResponse {
    attachment(bytes, file_name, "xlsx", XLSX_MIME)
}

/// A file download with its name in both forms browsers read (RFC 6266).
pub fn attachment(bytes: Vec<u8>, file_name: &str, extension: &str, mime: &str) -> HttpResponse {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String =
        form_urlencoded::byte_serialize(format!("{file_name}.{extension}").as_bytes()).collect();
    HttpResponse::Ok()
        .content_type(mime)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{ascii}.{extension}\"; filename*=UTF-8''{}",
                encoded.replace('+', "%20")
            ),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes)
}
