//! Reading an uploaded spreadsheet into rows of text: CSV (UTF-8, with or without a byte-order
//! mark) or the first worksheet of an .xlsx workbook. It knows nothing of students or staff;
//! a file it cannot read at all comes back as [`Unreadable`] with a message for the user.

use calamine::{DataRef, Reader, Xlsx};
use std::io::Cursor;

pub const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Columns read from a worksheet; anything further right is ignored.
const MAX_COLUMNS: u32 = 64;
/// What an .xlsx may unpack to, as its table of contents declares: the 5 MB upload limit would
/// otherwise still admit a "zip bomb".
const MAX_UNPACKED_BYTES: u64 = 100 * 1024 * 1024;

/// A cell as it may go into a .csv someone will open in a spreadsheet: text beginning with `=`,
/// `+`, `-`, `@`, a tab or a carriage return is prefixed with a single quote, as OWASP advises
/// against CSV injection, so that the spreadsheet shows it rather than runs it as a formula.
pub fn csv_cell(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// Which reader a file needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

/// Why a file cannot be read at all.
#[derive(Debug, PartialEq)]
pub struct Unreadable(pub String);

impl Format {
    /// A ZIP container is an .xlsx whatever it is called; otherwise the declared content type
    /// decides, then the file name's extension, and CSV when nothing says otherwise.
    pub fn detect(
        bytes: &[u8],
        content_type: Option<&str>,
        file_name: &str,
    ) -> Result<Format, Unreadable> {
        if bytes.starts_with(b"PK\x03\x04") {
            return Ok(Format::Xlsx);
        }
        let old_excel = Unreadable(
            "this is an old Excel (.xls) file: save it as .xlsx or as CSV UTF-8 and upload that"
                .to_owned(),
        );
        if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            return Err(old_excel);
        }
        let mime = content_type
            .and_then(|c| c.split(';').next())
            .map(|c| c.trim().to_ascii_lowercase());
        match mime.as_deref() {
            Some(XLSX_MIME) => return Ok(Format::Xlsx),
            Some("text/csv" | "application/csv" | "text/plain") => return Ok(Format::Csv),
            _ => {}
        }
        let extension = file_name
            .rsplit_once('.')
            .map(|(_, ext)| ext.to_ascii_lowercase());
        match extension.as_deref() {
            Some("xlsx") => Ok(Format::Xlsx),
            Some("xls") => Err(old_excel),
            _ => Ok(Format::Csv),
        }
    }
}

/// A data row: its line in the file (1-based; a worksheet's row number) and its cells, trimmed.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub line: u32,
    pub cells: Vec<String>,
}

impl Row {
    /// The cell in column `index`, `""` past the end of the row.
    pub fn cell(&self, index: usize) -> &str {
        self.cells.get(index).map(String::as_str).unwrap_or("")
    }
}

/// A readable sheet: the first non-blank row is its header, the non-blank rows after it data.
#[derive(Debug, PartialEq)]
pub struct Sheet {
    pub header: Vec<String>,
    pub rows: Vec<Row>,
}

/// Collects rows as a reader yields them, refusing more than `max_rows` data rows.
struct Collector {
    header: Option<Vec<String>>,
    rows: Vec<Row>,
    max_rows: usize,
}

impl Collector {
    fn push(&mut self, line: u32, cells: Vec<String>) -> Result<(), Unreadable> {
        if cells.iter().all(|c| c.is_empty()) {
            return Ok(());
        }
        if self.header.is_none() {
            self.header = Some(cells);
            return Ok(());
        }
        if self.rows.len() == self.max_rows {
            return Err(Unreadable(format!(
                "the file has more than {} rows: split it into several files",
                self.max_rows
            )));
        }
        self.rows.push(Row { line, cells });
        Ok(())
    }

    fn finish(self) -> Result<Sheet, Unreadable> {
        let header = self.header.ok_or_else(|| {
            Unreadable("the file is empty: the first row must name the columns".to_owned())
        })?;
        Ok(Sheet {
            header,
            rows: self.rows,
        })
    }
}

/// Reads the whole file (CPU-bound: call it off the async workers).
pub fn read(bytes: &[u8], format: Format, max_rows: usize) -> Result<Sheet, Unreadable> {
    let mut collector = Collector {
        header: None,
        rows: Vec::new(),
        max_rows,
    };
    match format {
        Format::Csv => read_csv(bytes, &mut collector)?,
        Format::Xlsx => read_xlsx(bytes, &mut collector)?,
    }
    collector.finish()
}

fn read_csv(bytes: &[u8], collector: &mut Collector) -> Result<(), Unreadable> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes)
        .ok()
        .filter(|text| !text.contains('\0'))
        .ok_or_else(|| {
            Unreadable(
                "the file is neither an .xlsx workbook nor CSV text in UTF-8: in Excel, save it \
                 as .xlsx or as \"CSV UTF-8\""
                    .to_owned(),
            )
        })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    // The reader's own line numbers count from where it started looking, before any blank
    // lines it skipped: count lines up to the record's first byte instead.
    let (mut counted_to, mut line) = (0, 1u32);
    for record in reader.records() {
        let record = record.map_err(|e| Unreadable(format!("the CSV cannot be read: {e}")))?;
        let start = record.position().map_or(0, |p| p.byte() as usize);
        let start = start
            + text[start..]
                .bytes()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count();
        line += text[counted_to..start]
            .bytes()
            .filter(|b| *b == b'\n')
            .count() as u32;
        counted_to = start;
        collector.push(line, record.iter().map(|c| c.trim().to_owned()).collect())?;
    }
    Ok(())
}

fn read_xlsx(bytes: &[u8], collector: &mut Collector) -> Result<(), Unreadable> {
    let unreadable = |detail: String| {
        Unreadable(format!(
            "the file is not a readable .xlsx workbook ({detail})"
        ))
    };
    check_unpacked_size(bytes).map_err(unreadable)?;
    let mut workbook: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable(e.to_string()))?;
    let first = workbook
        .sheet_names()
        .into_iter()
        .next()
        .ok_or_else(|| unreadable("it has no worksheet".to_owned()))?;
    // Cell by cell rather than as a `Range`: a range is allocated as its bounding box, which a
    // single far-away cell would make enormous.
    let mut cells = workbook
        .worksheet_cells_reader(&first)
        .map_err(|e| unreadable(e.to_string()))?;
    let mut current: Option<(u32, Vec<String>)> = None;
    while let Some(cell) = cells.next_cell().map_err(|e| unreadable(e.to_string()))? {
        let (row, column) = cell.get_position();
        if column >= MAX_COLUMNS {
            continue;
        }
        if let Some((r, values)) = current.take_if(|(r, _)| *r != row) {
            collector.push(r + 1, values)?;
        }
        let (_, values) = current.get_or_insert_with(|| (row, Vec::new()));
        let column = column as usize;
        if values.len() <= column {
            values.resize(column + 1, String::new());
        }
        values[column] = text(cell.get_value());
    }
    if let Some((r, values)) = current {
        collector.push(r + 1, values)?;
    }
    Ok(())
}

/// Refuses a workbook whose parts would unpack to more than [`MAX_UNPACKED_BYTES`].
fn check_unpacked_size(bytes: &[u8]) -> Result<(), String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let mut total = 0u64;
    for index in 0..archive.len() {
        let part = archive.by_index_raw(index).map_err(|e| e.to_string())?;
        total = total.saturating_add(part.size());
    }
    if total > MAX_UNPACKED_BYTES {
        return Err(format!(
            "it would unpack to {} MB; the most accepted is {} MB",
            total / 1024 / 1024,
            MAX_UNPACKED_BYTES / 1024 / 1024
        ));
    }
    Ok(())
}

/// A cell as the text a person sees: whole numbers without a decimal point (student numbers,
/// phone numbers and years are often stored as numbers).
fn text(value: &DataRef<'_>) -> String {
    let text = match value {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => (*f as i64).to_string(),
        DataRef::Float(f) => f.to_string(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => d.to_string(),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(_) | DataRef::Empty => String::new(),
    };
    text.trim().to_owned()
}

#[cfg(test)]
mod tests {

    #[test]
    fn csv_cells_that_would_run_as_formulas_are_quoted() {
        for (cell, expect) in [
            ("=1+1", "'=1+1"),
            ("+86 139", "'+86 139"),
            ("-5", "'-5"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("2023010101", "2023010101"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(csv_cell(cell), expect);
        }
    }
    use super::*;

    #[test]
    fn detects_the_format_by_content_then_type_then_name() {
        let csv = "a,b\n1,2\n".as_bytes();
        assert_eq!(
            Format::detect(b"PK\x03\x04rest", Some("text/csv"), "x.csv"),
            Ok(Format::Xlsx)
        );
        assert_eq!(
            Format::detect(csv, Some("text/csv; charset=utf-8"), "x.xlsx"),
            Ok(Format::Csv)
        );
        assert_eq!(
            Format::detect(csv, Some("application/octet-stream"), "名单.XLSX"),
            Ok(Format::Xlsx)
        );
        assert_eq!(
            Format::detect(csv, Some("application/vnd.ms-excel"), "名单.csv"),
            Ok(Format::Csv)
        );
        assert!(Format::detect(&[0xD0, 0xCF, 0x11, 0xE0, 0], None, "old.xls").is_err());
        assert!(Format::detect(csv, None, "old.xls").is_err());
    }

    #[test]
    fn csv_with_a_bom_skips_blank_rows_and_counts_lines() {
        let bytes = "\u{feff}学号,姓名\n\n 2024001 , 李明 \n,\n2024002,王芳\n".as_bytes();
        let sheet = read(bytes, Format::Csv, 10).unwrap();
        assert_eq!(sheet.header, ["学号", "姓名"]);
        assert_eq!(
            sheet.rows,
            [
                Row {
                    line: 3,
                    cells: vec!["2024001".into(), "李明".into()]
                },
                Row {
                    line: 5,
                    cells: vec!["2024002".into(), "王芳".into()]
                },
            ]
        );
        assert_eq!(sheet.rows[0].cell(7), "");
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        let garbage = [0xFFu8, 0xFE, 0x00, 0x12, 0x80, 0x81];
        assert!(read(&garbage, Format::Csv, 10).is_err());
        assert!(read(b"\n\n,,\n", Format::Csv, 10).is_err());
        assert!(read(b"PK\x03\x04not really a zip", Format::Xlsx, 10).is_err());
        let too_many = "n\n1\n2\n3\n";
        let error = read(too_many.as_bytes(), Format::Csv, 2).unwrap_err();
        assert!(error.0.contains("more than 2 rows"), "{error:?}");
    }

    #[test]
    fn whole_numbers_lose_their_decimal_point() {
        assert_eq!(text(&DataRef::Float(2023010101.0)), "2023010101");
        assert_eq!(text(&DataRef::Float(2.5)), "2.5");
        assert_eq!(text(&DataRef::SharedString(" 软件工程 ")), "软件工程");
    }
}
