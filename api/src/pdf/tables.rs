//! A document of titled tables and paragraphs (the monthly reports), drawn with the
//! transcript's fonts, page and table style ([`Pen`]): a title and subtitle on the first page,
//! a running title and page numbers on every page, tables that continue on the next page with
//! their header repeated.

use krilla::{Document, metadata::Metadata, page::PageSettings};

use super::{
    ASCENT, Align, Column, HAIRLINE, HEADER_FILL, LEFT, LINE_HEIGHT, MARGIN_TOP, Measures,
    PAGE_HEIGHT, PAGE_WIDTH, PdfFonts, Pen, RIGHT, TEXT_SIZE, WIDTH, draw, finish,
};

/// What a document holds, in order.
#[derive(Debug, Clone)]
pub enum Block {
    /// A heading and a paragraph (wrapped; newlines kept).
    Text { title: String, text: String },
    /// A heading and a table; the first column is the widest.
    Table {
        title: String,
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

#[derive(Debug, Clone)]
pub struct TablesDoc {
    pub title: String,
    pub subtitle: String,
    pub blocks: Vec<Block>,
}

/// Column widths: the first column twice the others' share.
fn columns(count: usize) -> Vec<Column> {
    let count = count.max(1);
    let unit = WIDTH / (count as f32 + 1.0);
    (0..count)
        .map(|i| {
            if i == 0 {
                Column::new(unit * 2.0, Align::Left)
            } else {
                Column::new(unit, Align::Left)
            }
        })
        .collect()
}

/// Renders the document as an A4 PDF.
pub fn render(fonts: &PdfFonts, doc: &TablesDoc) -> Result<Vec<u8>, String> {
    let faces = &fonts.0;
    let measures = Measures {
        regular: faces.regular.measure()?,
        bold: faces.bold.measure()?,
    };
    let mut pen = Pen {
        measures: &measures,
        pages: Vec::new(),
        y: 0.0,
    };
    new_page(&mut pen, doc);
    for block in &doc.blocks {
        match block {
            Block::Text { title, text } => paragraph(&mut pen, doc, title, text),
            Block::Table {
                title,
                header,
                rows,
            } => table(&mut pen, doc, title, header, rows),
        }
    }
    let mut pages = pen.pages;
    let count = pages.len();
    for (number, marks) in pages.iter_mut().enumerate() {
        let caption = measures
            .regular
            .run(&format!("第 {} 页 / 共 {count} 页", number + 1));
        marks.push(super::Mark::Line {
            from: (LEFT, PAGE_HEIGHT - 40.0),
            to: (RIGHT, PAGE_HEIGHT - 40.0),
            width: HAIRLINE,
        });
        marks.push(super::Mark::Text {
            x: (PAGE_WIDTH - caption.width * TEXT_SIZE) / 2.0,
            baseline: PAGE_HEIGHT - 28.0,
            size: TEXT_SIZE,
            bold: false,
            run: caption,
        });
    }
    let mut document = Document::new();
    let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or("bad page size")?;
    for marks in pages {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        draw(&mut surface, faces, marks);
        surface.finish();
        page.finish();
    }
    document.set_metadata(
        Metadata::new()
            .title(doc.title.clone())
            .creator(super::CREATOR.to_owned())
            .language(super::LANGUAGE.to_owned()),
    );
    finish(document)
}

fn new_page(pen: &mut Pen<'_>, doc: &TablesDoc) {
    pen.pages.push(Vec::new());
    pen.y = MARGIN_TOP;
    if pen.pages.len() == 1 {
        centred(pen, 16.0, true, &doc.title);
        pen.y += 24.0;
        centred(pen, 10.0, false, &doc.subtitle);
        pen.y += 16.0;
    } else {
        centred(pen, 11.0, true, &doc.title);
        pen.y += 18.0;
    }
    pen.line((LEFT, pen.y), (RIGHT, pen.y), 1.2);
    pen.y += 12.0;
}

fn centred(pen: &mut Pen<'_>, size: f32, bold: bool, text: &str) {
    let baseline = pen.y + ASCENT * size;
    pen.centred(baseline, size, bold, text);
}

/// The page body's end here: above the page number.
const BOTTOM: f32 = PAGE_HEIGHT - 50.0;

fn paragraph(pen: &mut Pen<'_>, doc: &TablesDoc, title: &str, text: &str) {
    if pen.y + 18.0 + LINE_HEIGHT > BOTTOM {
        new_page(pen, doc);
    }
    pen.heading(title, "");
    for line in text.lines() {
        let runs = pen.measures.regular.wrap(line, TEXT_SIZE, WIDTH, 200);
        for run in runs {
            if pen.y + LINE_HEIGHT > BOTTOM {
                new_page(pen, doc);
            }
            let baseline = pen.y + ASCENT * TEXT_SIZE;
            pen.place(LEFT, baseline, TEXT_SIZE, false, run);
            pen.y += LINE_HEIGHT + 2.0;
        }
    }
    pen.y += 10.0;
}

fn table(pen: &mut Pen<'_>, doc: &TablesDoc, title: &str, header: &[String], rows: &[Vec<String>]) {
    let columns = columns(header.len());
    let head = pen.row(&columns, &strs(header), true, Some(HEADER_FILL));
    if pen.y + 18.0 + head.height * 2.0 > BOTTOM {
        new_page(pen, doc);
    }
    pen.heading(title, "");
    pen.draw_row(&columns, &head, true);
    if rows.is_empty() {
        let empty = vec!["（无）".to_owned()];
        let row = pen.row(&columns[..1], &strs(&empty), false, None);
        pen.draw_row(&columns[..1], &row, false);
    }
    for cells_of in rows {
        let row = pen.row(&columns, &strs(cells_of), false, None);
        if pen.y + row.height > BOTTOM {
            new_page(pen, doc);
            pen.heading(&format!("{title}（续）"), "");
            pen.draw_row(&columns, &head, true);
        }
        pen.draw_row(&columns, &row, false);
    }
    pen.y += 14.0;
}

fn strs(row: &[String]) -> Vec<&str> {
    row.iter().map(String::as_str).collect()
}
