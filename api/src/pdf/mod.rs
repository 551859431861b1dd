//! Transcripts as PDF, rendered in-process with krilla: A4 pages with the header, the student,
//! one table per section, the requirement check, and a footer carrying the serial and a vector
//! QR code of the verification page. Only the glyphs used are embedded, so a page is small.
//!
//! Rendering lays every transcript out first (pages of [`Mark`]s, measured with skrifa), then
//! adds the footers once the page count is known, then draws.

use std::{
    collections::BTreeMap,
    ops::Range,
    path::{Path, PathBuf},
    sync::Arc,
};

use chrono::DateTime;
use krilla::{
    Document,
    color::luma,
    geom::{PathBuilder, Point, Rect},
    metadata::Metadata,
    page::PageSettings,
    paint::{Fill, Stroke},
    surface::Surface,
    text::{Font, GlyphId, KrillaGlyph},
};
use qrcode::QrCode;
use skrifa::{
    FontRef, MetadataProvider,
    charmap::Charmap,
    instance::{LocationRef, Size},
    metrics::GlyphMetrics,
    raw::FileRef,
    string::StringId,
};

use shared::transcript::{Section, TranscriptDoc};

mod join;
pub mod tables;

/// Fonts parsed once at start-up (keep in AppState later); cheap to clone (Arc inside).
#[derive(Clone)]
pub struct PdfFonts(Arc<Faces>);

struct Faces {
    regular: Face,
    bold: Face,
    /// The same faces for SVG documents (certificates, posters), set up on first use.
    svg: std::sync::OnceLock<Arc<usvg::Options<'static>>>,
}

/// One face of a font file, parsed for krilla and kept with its bytes for measuring.
#[derive(Clone)]
struct Face {
    font: Font,
    data: Arc<MappedFont>,
    index: u32,
}

/// A font file mapped into memory. A CJK face is about 20 MB, of which a transcript uses a few
/// hundred glyphs: mapped, only the pages read become resident (and are shared with every other
/// process using the font), where reading the file would keep all of it on the heap.
struct MappedFont(memmap2::Mmap);

impl MappedFont {
    fn open(path: &Path) -> std::io::Result<MappedFont> {
        let file = std::fs::File::open(path)?;
        // SAFETY: font files are installed by the package manager and not written in place
        // (an upgrade writes a new file and renames it over the old, whose mapping stays valid);
        // the mapping is only ever read.
        let map = unsafe { memmap2::Mmap::map(&file)? };
        Ok(MappedFont(map))
    }
}

impl AsRef<[u8]> for MappedFont {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// The Debian package that provides the default font.
const FONT_PACKAGE: &str = "fonts-noto-cjk";

/// Where common systems keep a Simplified Chinese font: (regular, bold).
const FONT_LOCATIONS: &[(&str, &str)] = &[
    // Debian / Ubuntu: fonts-noto-cjk.
    (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    ),
    // Fedora: google-noto-sans-cjk-fonts.
    (
        "/usr/share/fonts/google-noto-sans-cjk-fonts/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/google-noto-sans-cjk-fonts/NotoSansCJK-Bold.ttc",
    ),
    // Arch: noto-fonts-cjk.
    (
        "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
    ),
    // Alpine: font-noto-cjk.
    (
        "/usr/share/fonts/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/noto/NotoSansCJK-Bold.ttc",
    ),
    // Debian / Ubuntu: fonts-wqy-zenhei.
    (
        "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
        "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    ),
    // macOS.
    (
        "/System/Library/Fonts/PingFang.ttc",
        "/System/Library/Fonts/PingFang.ttc",
    ),
    // Windows: Microsoft YaHei.
    (
        "C:\\Windows\\Fonts\\msyh.ttc",
        "C:\\Windows\\Fonts\\msyhbd.ttc",
    ),
];

impl PdfFonts {
    /// Finds a CJK font: env `TRANSCRIPT_FONT` (a .ttc/.ttf/.otf path) if set, else Debian's
    /// fonts-noto-cjk (/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc, index of the SC face) and Bold,
    /// else other common locations. Err with a clear message naming the apt package when none.
    ///
    /// In a collection the Simplified Chinese face is chosen by its name (`… SC`). With
    /// `TRANSCRIPT_FONT`, a sibling file named with `Bold` for `Regular` is the bold face if it
    /// exists; otherwise the regular face serves for both.
    pub fn load() -> Result<PdfFonts, String> {
        if let Some(path) = std::env::var_os("TRANSCRIPT_FONT") {
            let regular = PathBuf::from(path);
            let bold = bold_sibling(&regular);
            return PdfFonts::open(&regular, bold.as_deref());
        }
        let found = FONT_LOCATIONS
            .iter()
            .find(|(regular, _)| Path::new(regular).is_file());
        match found {
            Some((regular, bold)) => {
                let bold = Path::new(bold);
                PdfFonts::open(Path::new(regular), bold.is_file().then_some(bold))
            }
            None => Err(format!(
                "no Chinese font for transcript PDFs: install the {FONT_PACKAGE} package \
                 (apt-get install {FONT_PACKAGE}) or set TRANSCRIPT_FONT to a .ttc/.ttf/.otf \
                 with Simplified Chinese glyphs"
            )),
        }
    }

    fn open(regular: &Path, bold: Option<&Path>) -> Result<PdfFonts, String> {
        let regular = Face::open(regular)?;
        let bold = match bold {
            Some(path) => Face::open(path)?,
            None => regular.clone(),
        };
        Ok(PdfFonts(Arc::new(Faces {
            regular,
            bold,
            svg: std::sync::OnceLock::new(),
        })))
    }

    /// How SVG documents are read: with these faces only (no system fonts), `sans-serif`
    /// being the regular face's family, and images only from `data:` URLs (never a file).
    pub fn svg_options(&self) -> Arc<usvg::Options<'static>> {
        self.0
            .svg
            .get_or_init(|| {
                let mut fonts = usvg::fontdb::Database::new();
                let mut family = None;
                for face in [&self.0.regular, &self.0.bold] {
                    let data: Arc<dyn AsRef<[u8]> + Send + Sync> = face.data.clone();
                    let ids = fonts.load_font_source(usvg::fontdb::Source::Binary(data));
                    if family.is_none() {
                        family = ids
                            .iter()
                            .filter_map(|id| fonts.face(*id))
                            .find(|f| f.index == face.index)
                            .and_then(|f| f.families.first().map(|(name, _)| name.clone()));
                    }
                }
                if let Some(family) = &family {
                    fonts.set_sans_serif_family(family.clone());
                }
                let mut options = usvg::Options {
                    font_family: family.unwrap_or_else(|| "sans-serif".to_owned()),
                    fontdb: Arc::new(fonts),
                    ..usvg::Options::default()
                };
                options.image_href_resolver.resolve_string = Box::new(|_, _| None);
                Arc::new(options)
            })
            .clone()
    }
}

/// `…-Regular.ttc` → `…-Bold.ttc`, if that file exists.
fn bold_sibling(regular: &Path) -> Option<PathBuf> {
    let name = regular.file_name()?.to_str()?;
    let bold = regular.with_file_name(name.replace("Regular", "Bold"));
    (bold != regular && bold.is_file()).then_some(bold)
}

impl Face {
    fn open(path: &Path) -> Result<Face, String> {
        let data = MappedFont::open(path)
            .map_err(|e| format!("cannot read the font {}: {e}", path.display()))?;
        let index = simplified_chinese_face(data.as_ref())
            .map_err(|e| format!("the font {} is not usable: {e}", path.display()))?;
        let data = Arc::new(data);
        let shared: Arc<dyn AsRef<[u8]> + Send + Sync> = data.clone();
        let font = Font::new(shared.into(), index)
            .ok_or_else(|| format!("krilla cannot read the font {}", path.display()))?;
        Ok(Face { font, data, index })
    }

    /// The cmap and advances, borrowed from the font bytes for the length of one render.
    fn measure(&self) -> Result<Measure<'_>, String> {
        let font = FontRef::from_index(self.data.as_ref().as_ref(), self.index)
            .map_err(|e| format!("cannot read the font: {e}"))?;
        let units_per_em = f32::from(
            font.metrics(Size::unscaled(), LocationRef::default())
                .units_per_em,
        );
        Ok(Measure {
            charmap: font.charmap(),
            advances: font.glyph_metrics(Size::unscaled(), LocationRef::default()),
            units_per_em,
        })
    }
}

/// The index of the face to use in a font file: in a collection the one named `… SC`
/// (Noto Sans CJK SC is 2 of 10), else the first face with Chinese glyphs.
fn simplified_chinese_face(data: &[u8]) -> Result<u32, String> {
    let file = FileRef::new(data).map_err(|e| format!("not a font file ({e})"))?;
    let mut best: Option<(u8, u32)> = None;
    for (index, font) in file.fonts().enumerate() {
        let Ok(font) = font else { continue };
        let charmap = font.charmap();
        if "中国学生".chars().any(|c| charmap.map(c).is_none()) {
            continue;
        }
        let family = font
            .localized_strings(StringId::FAMILY_NAME)
            .english_or_first()
            .map(|name| name.to_string())
            .unwrap_or_default();
        let simplified = family
            .split_whitespace()
            .any(|word| word == "SC" || word == "GB");
        let rank = match (simplified, family.contains("Mono")) {
            (true, false) => 3,
            (true, true) => 2,
            (false, false) => 1,
            (false, true) => 0,
        };
        if best.is_none_or(|(best_rank, _)| rank > best_rank) {
            best = Some((rank, index as u32));
        }
    }
    best.map(|(_, index)| index)
        .ok_or_else(|| "it has no face with Chinese glyphs".to_owned())
}

/// Renders a transcript as a PDF (A4; a long transcript continues on following pages with the
/// header and serial repeated). Many at once are a [`Batch`].
pub fn render(fonts: &PdfFonts, doc: &TranscriptDoc) -> Result<Vec<u8>, String> {
    let mut document = Document::new();
    draw_transcripts(&mut document, fonts, std::slice::from_ref(doc), &|| {})?;
    document.set_metadata(
        Metadata::new()
            .title(format!(
                "{} {} {}",
                doc.title, doc.student.name, doc.student.student_no
            ))
            .authors(vec![doc.school_name.clone()])
            .creator(CREATOR.to_owned())
            .language(LANGUAGE.to_owned()),
    );
    finish(document)
}

const CREATOR: &str = "Second Classroom Transcript";
const LANGUAGE: &str = "zh-CN";

/// How many transcripts a [`Batch`] renders as one document before joining it to the file.
/// krilla holds a document's pages until it is finished, about half a megabyte of working
/// memory per transcript; each slice adds its own font subsets to the file (~30 KB).
const SLICE: usize = 25;

/// A batch of transcripts as one PDF with a bookmark per student, rendered [`SLICE`]
/// transcripts at a time and written to `W` as it goes ([`join`]): however large the batch,
/// it holds one slice, not the file.
pub struct Batch<W: std::io::Write> {
    joiner: join::Joiner<W>,
    /// (title, school) of the first transcript, and how many there are.
    first: Option<(String, String)>,
    count: usize,
}

impl<W: std::io::Write> Batch<W> {
    pub fn new(out: W) -> Result<Batch<W>, String> {
        Ok(Batch {
            joiner: join::Joiner::new(out)?,
            first: None,
            count: 0,
        })
    }

    /// Renders and writes `docs`, calling `drawn` after each transcript.
    pub fn add(
        &mut self,
        fonts: &PdfFonts,
        docs: &[TranscriptDoc],
        drawn: &dyn Fn(),
    ) -> Result<(), String> {
        for slice in docs.chunks(SLICE) {
            let mut document = Document::new();
            let pages = draw_transcripts(&mut document, fonts, slice, drawn)?;
            let pdf = finish(document)?;
            let bookmarks: Vec<(String, usize)> = slice
                .iter()
                .map(bookmark)
                .zip(first_pages(&pages))
                .collect();
            self.joiner.append(&pdf, &bookmarks)?;
        }
        if let (None, Some(doc)) = (&self.first, docs.first()) {
            self.first = Some((doc.title.clone(), doc.school_name.clone()));
        }
        self.count += docs.len();
        Ok(())
    }

    /// Writes the page tree, outline and document information; returns the output.
    pub fn finish(self) -> Result<W, String> {
        let (title, school) = self.first.ok_or("no transcript to render")?;
        self.joiner.finish(&join::Info {
            title: &format!("{title}（{} 份）", self.count),
            author: &school,
            creator: CREATOR,
            language: LANGUAGE,
        })
    }
}

/// A student's bookmark in a batch.
fn bookmark(doc: &TranscriptDoc) -> String {
    format!("{} {}", doc.student.name, doc.student.student_no)
}

/// The index of each transcript's first page, given their page counts.
fn first_pages(pages: &[usize]) -> impl Iterator<Item = usize> + '_ {
    pages.iter().scan(0, |next, count| {
        let first = *next;
        *next += count;
        Some(first)
    })
}

/// Draws `docs` into `document`, each from a new page, calling `drawn` after each; returns
/// how many pages each took.
fn draw_transcripts(
    document: &mut Document,
    fonts: &PdfFonts,
    docs: &[TranscriptDoc],
    drawn: &dyn Fn(),
) -> Result<Vec<usize>, String> {
    let faces = &fonts.0;
    let measures = Measures {
        regular: faces.regular.measure()?,
        bold: faces.bold.measure()?,
    };
    let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or("bad page size")?;
    let mut counts = Vec::with_capacity(docs.len());
    for doc in docs {
        let qr = match doc.verify_url.as_str() {
            "" => None,
            url => Some(QrCode::new(url).map_err(|e| format!("cannot encode {url} as QR: {e}"))?),
        };
        let mut pages = Composer::new(&measures, doc).compose();
        let count = pages.len();
        for (number, marks) in pages.iter_mut().enumerate() {
            footer(&measures, doc, qr.as_ref(), number + 1, count, marks);
        }
        counts.push(count);
        for marks in pages {
            let mut page = document.start_page_with(settings.clone());
            let mut surface = page.surface();
            draw(&mut surface, faces, marks);
            surface.finish();
            page.finish();
        }
        drawn();
    }
    Ok(counts)
}

fn finish(document: Document) -> Result<Vec<u8>, String> {
    document
        .finish()
        .map_err(|e| format!("cannot write the PDF: {e:?}"))
}

// Page geometry, in PDF points (1 mm = 72 / 25.4 pt); y grows downwards.
const MM: f32 = 72.0 / 25.4;
const PAGE_WIDTH: f32 = 210.0 * MM;
const PAGE_HEIGHT: f32 = 297.0 * MM;
const MARGIN_X: f32 = 18.0 * MM;
const MARGIN_TOP: f32 = 16.0 * MM;
const MARGIN_BOTTOM: f32 = 14.0 * MM;
const LEFT: f32 = MARGIN_X;
const RIGHT: f32 = PAGE_WIDTH - MARGIN_X;
const WIDTH: f32 = RIGHT - LEFT;
const QR_SIZE: f32 = 22.0 * MM;
const QR_CAPTION_SIZE: f32 = 7.5;
/// Where the footer (rule, serial, QR code) begins.
const FOOTER_TOP: f32 = PAGE_HEIGHT - MARGIN_BOTTOM - QR_SIZE - 18.0;
/// Where the body must end.
const BODY_BOTTOM: f32 = FOOTER_TOP - 8.0;

const TEXT_SIZE: f32 = 9.0;
const LINE_HEIGHT: f32 = 11.5;
const CELL_PAD_X: f32 = 4.0;
const CELL_PAD_Y: f32 = 2.5;
/// How many lines a table cell may take before it is cut with an ellipsis.
const CELL_MAX_LINES: usize = 2;
/// The top of an ideograph's em box above the baseline, in em.
const ASCENT: f32 = 0.88;

const RULE: f32 = 0.5;
const HAIRLINE: f32 = 0.35;
const HEADER_FILL: u8 = 232;
const LABEL_FILL: u8 = 244;

/// Something to draw on a page.
enum Mark {
    Text {
        x: f32,
        baseline: f32,
        size: f32,
        bold: bool,
        run: Run,
    },
    Line {
        from: (f32, f32),
        to: (f32, f32),
        width: f32,
    },
    Fill {
        rect: (f32, f32, f32, f32),
        grey: u8,
    },
}

/// A line of text as glyphs, with advances in em.
#[derive(Clone)]
struct Run {
    text: String,
    glyphs: Vec<KrillaGlyph>,
    width: f32,
}

/// A character as its glyph.
struct Shaped {
    glyph: u32,
    advance: f32,
    bytes: Range<usize>,
    ch: char,
}

/// A face's cmap and advances for one render.
struct Measure<'a> {
    charmap: Charmap<'a>,
    advances: GlyphMetrics<'a>,
    units_per_em: f32,
}

struct Measures<'a> {
    regular: Measure<'a>,
    bold: Measure<'a>,
}

impl Measures<'_> {
    fn face(&self, bold: bool) -> &Measure<'_> {
        if bold { &self.bold } else { &self.regular }
    }
}

impl Measure<'_> {
    /// One glyph per character: Chinese needs no shaping, and the Latin in a transcript
    /// (dates, numbers, names of things) reads fine without kerning.
    fn shape(&self, text: &str) -> Vec<Shaped> {
        text.char_indices()
            .map(|(at, ch)| {
                let glyph = self.charmap.map(ch).unwrap_or_default();
                let advance = self.advances.advance_width(glyph).unwrap_or(0.0) / self.units_per_em;
                Shaped {
                    glyph: glyph.to_u32(),
                    advance,
                    bytes: at..at + ch.len_utf8(),
                    ch,
                }
            })
            .collect()
    }

    /// A single line, as it is.
    fn run(&self, text: &str) -> Run {
        Run::new(text, &self.shape(text), None)
    }

    /// `text` broken into lines of at most `width` at `size`, at most `max_lines` of them; the
    /// last is cut with an ellipsis when the text does not fit.
    fn wrap(&self, text: &str, size: f32, width: f32, max_lines: usize) -> Vec<Run> {
        let text = normalise_space(text);
        let shaped = self.shape(&text);
        let limit = width / size;
        let mut lines: Vec<Range<usize>> = Vec::new();
        let mut start = 0;
        while start < shaped.len() && lines.len() < max_lines {
            let end = line_end(&shaped, start, limit);
            lines.push(start..end);
            start = end;
            while shaped.get(start).is_some_and(|s| s.ch == ' ') {
                start += 1;
            }
        }
        let mut runs: Vec<Run> = lines
            .iter()
            .map(|line| Run::new(&text, trim_spaces(&shaped[line.clone()]), None))
            .collect();
        if start < shaped.len()
            && let (Some(last), Some(line)) = (runs.last_mut(), lines.last())
        {
            let ellipsis = self.shape("…").pop();
            let room = limit - ellipsis.as_ref().map_or(0.0, |e| e.advance);
            let mut end = line.start;
            let mut used = 0.0;
            while end < shaped.len() && used + shaped[end].advance <= room {
                used += shaped[end].advance;
                end += 1;
            }
            *last = Run::new(
                &text,
                trim_spaces(&shaped[line.start..end]),
                ellipsis.as_ref(),
            );
        }
        runs
    }
}

/// Where a line starting at `start` ends (exclusive) within `limit` em: anywhere between
/// Chinese characters, at a space inside Latin words, never before closing punctuation.
fn line_end(shaped: &[Shaped], start: usize, limit: f32) -> usize {
    let mut used = 0.0;
    let mut end = start;
    while end < shaped.len() && (end == start || used + shaped[end].advance <= limit) {
        used += shaped[end].advance;
        end += 1;
    }
    if end == shaped.len() {
        return end;
    }
    let latin = |i: usize| shaped[i].ch.is_ascii_alphanumeric();
    if latin(end)
        && latin(end - 1)
        && let Some(space) = (start + 1..end).rev().find(|&i| shaped[i].ch == ' ')
    {
        return space;
    }
    if CLOSING.contains(shaped[end].ch) && end - 1 > start {
        return end - 1;
    }
    end
}

/// What may not begin a line.
const CLOSING: &str = "，。、；：？！）》」』】〕〉”’…—·％,.;:?!)]}%";

fn trim_spaces(shaped: &[Shaped]) -> &[Shaped] {
    let start = shaped
        .iter()
        .position(|s| s.ch != ' ')
        .unwrap_or(shaped.len());
    let end = shaped
        .iter()
        .rposition(|s| s.ch != ' ')
        .map_or(start, |i| i + 1);
    &shaped[start..end]
}

/// Runs of whitespace (newlines in a title, say) as one space.
fn normalise_space(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Run {
    /// The glyphs `shaped` of `source`, plus an ellipsis.
    fn new(source: &str, shaped: &[Shaped], ellipsis: Option<&Shaped>) -> Run {
        let Some(first) = shaped.first() else {
            return Run::empty();
        };
        let offset = first.bytes.start;
        let mut text = source[offset..shaped[shaped.len() - 1].bytes.end].to_owned();
        let mut glyphs: Vec<KrillaGlyph> = shaped
            .iter()
            .map(|s| glyph(s, s.bytes.start - offset..s.bytes.end - offset))
            .collect();
        if let Some(e) = ellipsis {
            glyphs.push(glyph(e, text.len()..text.len() + e.bytes.len()));
            text.push(e.ch);
        }
        let width = shaped.iter().chain(ellipsis).map(|s| s.advance).sum();
        Run {
            text,
            glyphs,
            width,
        }
    }

    fn empty() -> Run {
        Run {
            text: String::new(),
            glyphs: Vec::new(),
            width: 0.0,
        }
    }
}

fn glyph(shaped: &Shaped, bytes: Range<usize>) -> KrillaGlyph {
    KrillaGlyph::new(
        GlyphId::new(shaped.glyph),
        shaped.advance,
        0.0,
        0.0,
        0.0,
        bytes,
        None,
    )
}

#[derive(Clone, Copy, PartialEq)]
enum Align {
    Left,
    Center,
    Right,
}

/// A table column.
#[derive(Clone, Copy)]
struct Column {
    width: f32,
    align: Align,
    bold: bool,
    fill: Option<u8>,
}

impl Column {
    const fn new(width: f32, align: Align) -> Column {
        Column {
            width,
            align,
            bold: false,
            fill: None,
        }
    }

    const fn label(width: f32) -> Column {
        Column {
            width,
            align: Align::Center,
            bold: true,
            fill: Some(LABEL_FILL),
        }
    }
}

/// The entry table: 日期 | 项目 | 类别 | 认定内容 | 时长 | 积分.
const ENTRY_HEADINGS: [&str; 6] = ["日期", "项目", "类别", "认定内容", "时长", "积分"];
const ENTRY_COLUMNS: [Column; 6] = [
    Column::new(60.0, Align::Center),
    Column::new(WIDTH - 60.0 - 66.0 - 100.0 - 34.0 - 34.0, Align::Left),
    Column::new(66.0, Align::Left),
    Column::new(100.0, Align::Left),
    Column::new(34.0, Align::Right),
    Column::new(34.0, Align::Right),
];

/// The requirement table: 类别 | 已获积分 | 要求积分 | 结论.
const PROGRESS_HEADINGS: [&str; 4] = ["类别", "已获积分", "要求积分", "结论"];
const PROGRESS_COLUMNS: [Column; 4] = [
    Column::new(WIDTH - 3.0 * 100.0, Align::Left),
    Column::new(100.0, Align::Right),
    Column::new(100.0, Align::Right),
    Column::new(100.0, Align::Center),
];

/// The cadre table (党团学干部经历): 职务 | 组织 | 任期 | 考核等次.
const CADRE_HEADINGS: [&str; 4] = ["职务", "组织", "任期", "考核等次"];
const CADRE_COLUMNS: [Column; 4] = [
    Column::new(100.0, Align::Left),
    Column::new(WIDTH - 100.0 - 140.0 - 130.0, Align::Left),
    Column::new(140.0, Align::Center),
    Column::new(130.0, Align::Left),
];

/// The student block: three label/value pairs a row.
const STUDENT_LABEL: f32 = 50.0;
const STUDENT_VALUE: f32 = WIDTH / 3.0 - STUDENT_LABEL;
const STUDENT_COLUMNS: [Column; 6] = [
    Column::label(STUDENT_LABEL),
    Column::new(STUDENT_VALUE, Align::Left),
    Column::label(STUDENT_LABEL),
    Column::new(STUDENT_VALUE, Align::Left),
    Column::label(STUDENT_LABEL),
    Column::new(STUDENT_VALUE, Align::Left),
];

/// A table row, laid out: each cell's lines.
struct Row {
    cells: Vec<Vec<Run>>,
    height: f32,
    bold: bool,
    fill: Option<u8>,
}

/// Lays marks out into pages: the cursor `y` on the last page, rows of table cells, text.
struct Pen<'m> {
    measures: &'m Measures<'m>,
    pages: Vec<Vec<Mark>>,
    y: f32,
}

/// Lays one transcript out into pages (with the [`Pen`]'s tools).
struct Composer<'m, 'd> {
    pen: Pen<'m>,
    doc: &'d TranscriptDoc,
}

impl<'m, 'd> Composer<'m, 'd> {
    fn new(measures: &'m Measures<'m>, doc: &'d TranscriptDoc) -> Self {
        Composer {
            pen: Pen {
                measures,
                pages: Vec::new(),
                y: 0.0,
            },
            doc,
        }
    }

    fn compose(mut self) -> Vec<Vec<Mark>> {
        self.new_page();
        self.student();
        if self.doc.sections.is_empty() {
            self.pen.heading("认定记录", "");
            self.pen
                .text(LEFT, self.pen.y + 14.0, TEXT_SIZE, false, "暂无认定记录。");
            self.pen.y += 24.0;
        }
        for section in &self.doc.sections {
            self.section(section);
        }
        self.cadre();
        self.totals();
        self.pen.pages
    }

    /// Starts a page with the header: in full on the first page; on the pages after it, school
    /// and title in one line, then the student and the style.
    fn new_page(&mut self) {
        self.pen.pages.push(Vec::new());
        let doc = self.doc;
        self.pen.y = MARGIN_TOP;
        let first = self.pen.pages.len() == 1;
        if first {
            self.pen
                .centred(self.pen.y + ASCENT * 18.0, 18.0, true, &doc.school_name);
            self.pen.y += 26.0;
            self.pen
                .centred(self.pen.y + ASCENT * 14.0, 14.0, true, &doc.title);
            self.pen.y += 21.0;
            self.pen.centred(
                self.pen.y + ASCENT * 10.0,
                10.0,
                false,
                doc.style.label_zh(),
            );
            self.pen.y += 18.0;
        } else {
            let running = format!("{}　{}", doc.school_name, doc.title);
            self.pen
                .centred(self.pen.y + ASCENT * 12.0, 12.0, true, &running);
            self.pen.y += 20.0;
        }
        self.pen.line((LEFT, self.pen.y), (RIGHT, self.pen.y), 1.2);
        self.pen.line(
            (LEFT, self.pen.y + 2.2),
            (RIGHT, self.pen.y + 2.2),
            HAIRLINE,
        );
        self.pen.y += 12.0;
        if !first {
            let student = &doc.student;
            let line = format!("姓名：{}　　学号：{}", student.name, student.student_no);
            let baseline = self.pen.y + ASCENT * TEXT_SIZE;
            self.pen.text(LEFT, baseline, TEXT_SIZE, false, &line);
            let style = format!("{}（续）", doc.style.label_zh());
            self.pen.right(baseline, TEXT_SIZE, false, &style);
            self.pen.y += 20.0;
        }
    }

    fn student(&mut self) {
        let s = &self.doc.student;
        let year = s.enrolment_year.to_string();
        let rows = [
            ["姓名", &s.name, "学号", &s.student_no, "入学年份", &year],
            ["学院", &s.college, "专业", &s.major, "班级", &s.class_name],
        ];
        let first = self.pen.y;
        for cells in rows {
            let row = self.pen.row(&STUDENT_COLUMNS, &cells, false, None);
            self.pen
                .draw_row(&STUDENT_COLUMNS, &row, self.pen.y == first);
        }
        self.pen.y += 14.0;
    }

    fn section(&mut self, section: &Section) {
        let mut note = format!("小计：积分 {}", section.points);
        if section.hours > 0.0 {
            note.push_str(&format!("　时长 {} 小时", hours(section.hours)));
        }
        let header = self
            .pen
            .row(&ENTRY_COLUMNS, &ENTRY_HEADINGS, true, Some(HEADER_FILL));
        let rows: Vec<Row> = section
            .entries
            .iter()
            .map(|e| {
                let hours = if e.hours > 0.0 {
                    hours(e.hours)
                } else {
                    "—".to_owned()
                };
                let points = e.points.to_string();
                let cells = [
                    e.date.as_str(),
                    &e.title,
                    &e.category_name,
                    &e.detail,
                    &hours,
                    &points,
                ];
                self.pen.row(&ENTRY_COLUMNS, &cells, false, None)
            })
            .collect();
        let first = rows.first().map_or(0.0, |r| r.height);
        if self.pen.y + 18.0 + header.height + first > BODY_BOTTOM {
            self.new_page();
        }
        self.pen.heading(&section.title, &note);
        self.pen.draw_row(&ENTRY_COLUMNS, &header, true);
        for row in &rows {
            if self.pen.y + row.height > BODY_BOTTOM {
                self.new_page();
                self.pen.heading(&format!("{}（续）", section.title), "");
                self.pen.draw_row(&ENTRY_COLUMNS, &header, true);
            }
            self.pen.draw_row(&ENTRY_COLUMNS, row, false);
        }
        self.pen.y += 12.0;
    }

    /// 党团学干部经历: each position with its organisation, tenure and approved grades.
    fn cadre(&mut self) {
        if self.doc.cadre.is_empty() {
            return;
        }
        let header = self
            .pen
            .row(&CADRE_COLUMNS, &CADRE_HEADINGS, true, Some(HEADER_FILL));
        let rows: Vec<Row> = self
            .doc
            .cadre
            .iter()
            .map(|line| {
                let grades = if line.grades.is_empty() {
                    "—"
                } else {
                    line.grades.as_str()
                };
                let cells = [
                    line.title.as_str(),
                    line.organization.as_str(),
                    line.tenure.as_str(),
                    grades,
                ];
                self.pen.row(&CADRE_COLUMNS, &cells, false, None)
            })
            .collect();
        let first = rows.first().map_or(0.0, |r| r.height);
        if self.pen.y + 18.0 + header.height + first > BODY_BOTTOM {
            self.new_page();
        }
        self.pen.heading("党团学干部经历", "");
        self.pen.draw_row(&CADRE_COLUMNS, &header, true);
        for row in &rows {
            if self.pen.y + row.height > BODY_BOTTOM {
                self.new_page();
                self.pen.heading("党团学干部经历（续）", "");
                self.pen.draw_row(&CADRE_COLUMNS, &header, true);
            }
            self.pen.draw_row(&CADRE_COLUMNS, row, false);
        }
        self.pen.y += 12.0;
    }

    /// The requirement check per category and in all, then the grand totals.
    fn totals(&mut self) {
        let doc = self.doc;
        let mut names: BTreeMap<&str, &str> = doc
            .sections
            .iter()
            .flat_map(|s| &s.entries)
            .map(|e| (e.category.as_str(), e.category_name.as_str()))
            .collect();
        names.extend(
            doc.category_names
                .iter()
                .map(|(code, name)| (code.as_str(), name.as_str())),
        );
        let header = self.pen.row(
            &PROGRESS_COLUMNS,
            &PROGRESS_HEADINGS,
            true,
            Some(HEADER_FILL),
        );
        let rows: Vec<Row> = doc
            .progress
            .iter()
            .map(|p| {
                let total = p.category == "total";
                let name = match names.get(p.category.as_str()) {
                    _ if total => "合计",
                    Some(name) => name,
                    None => p.category.as_str(),
                };
                let (mut earned, mut required) = (p.earned.to_string(), p.required.to_string());
                if p.required_hours > 0.0 {
                    earned.push_str(&format!(" / {} 小时", hours(p.earned_hours)));
                    required.push_str(&format!(" / {} 小时", hours(p.required_hours)));
                }
                let verdict = if p.met { "达标" } else { "未达标" };
                let cells = [name, earned.as_str(), required.as_str(), verdict];
                self.pen.row(&PROGRESS_COLUMNS, &cells, total, None)
            })
            .collect();
        let summary = format!(
            "累计积分 {} 分　　累计时长 {} 小时",
            doc.total_points,
            hours(doc.total_hours)
        );
        let needed =
            18.0 + if rows.is_empty() {
                0.0
            } else {
                header.height + rows.iter().map(|r| r.height).sum::<f32>() + 8.0
            } + 20.0;
        if self.pen.y + needed > BODY_BOTTOM {
            self.new_page();
        }
        self.pen.heading("汇总", "");
        if !rows.is_empty() {
            self.pen.draw_row(&PROGRESS_COLUMNS, &header, true);
            for row in &rows {
                if self.pen.y + row.height > BODY_BOTTOM {
                    self.new_page();
                    self.pen.heading("汇总（续）", "");
                    self.pen.draw_row(&PROGRESS_COLUMNS, &header, true);
                }
                self.pen.draw_row(&PROGRESS_COLUMNS, row, false);
            }
            self.pen.y += 8.0;
        }
        self.pen
            .text(LEFT, self.pen.y + ASCENT * 10.0, 10.0, true, &summary);
        self.pen.y += 20.0;
    }
}

impl Pen<'_> {
    fn marks(&mut self) -> &mut Vec<Mark> {
        self.pages.last_mut().expect("a page is started first")
    }

    /// A bold title on the left with, optionally, a note on the right.
    fn heading(&mut self, title: &str, note: &str) {
        let size = 11.0;
        let baseline = self.y + ASCENT * size;
        self.text(LEFT, baseline, size, true, title);
        self.right(baseline, TEXT_SIZE, false, note);
        self.y += 18.0;
    }

    /// Lays out a row: each cell wrapped to its column.
    fn row(&self, columns: &[Column], cells: &[&str], bold: bool, fill: Option<u8>) -> Row {
        let cells: Vec<Vec<Run>> = columns
            .iter()
            .zip(cells)
            .map(|(column, text)| {
                let face = self.measures.face(bold || column.bold);
                let width = column.width - 2.0 * CELL_PAD_X;
                face.wrap(text, TEXT_SIZE, width, CELL_MAX_LINES)
            })
            .collect();
        let lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
        Row {
            height: lines as f32 * LINE_HEIGHT + 2.0 * CELL_PAD_Y,
            cells,
            bold,
            fill,
        }
    }

    /// Draws a row at the cursor with its grid lines (the top one only when `top`) and moves
    /// the cursor below it. Each cell's lines are centred vertically.
    fn draw_row(&mut self, columns: &[Column], row: &Row, top: bool) {
        let (y, bottom) = (self.y, self.y + row.height);
        let mut x = LEFT;
        for (column, lines) in columns.iter().zip(&row.cells) {
            if let Some(grey) = row.fill.or(column.fill) {
                let rect = (x, y, column.width, row.height);
                self.marks().push(Mark::Fill { rect, grey });
            }
            let bold = row.bold || column.bold;
            let block = lines.len() as f32 * LINE_HEIGHT;
            let mut line_top = y + (row.height - block) / 2.0;
            for run in lines {
                let width = run.width * TEXT_SIZE;
                let left = match column.align {
                    Align::Left => x + CELL_PAD_X,
                    Align::Center => x + (column.width - width) / 2.0,
                    Align::Right => x + column.width - CELL_PAD_X - width,
                };
                let baseline = line_top + (LINE_HEIGHT - TEXT_SIZE) / 2.0 + ASCENT * TEXT_SIZE;
                self.marks().push(Mark::Text {
                    x: left,
                    baseline,
                    size: TEXT_SIZE,
                    bold,
                    run: run.clone(),
                });
                line_top += LINE_HEIGHT;
            }
            self.line((x, y), (x, bottom), HAIRLINE);
            x += column.width;
        }
        self.line((x, y), (x, bottom), HAIRLINE);
        if top {
            self.line((LEFT, y), (x, y), RULE);
        }
        self.line(
            (LEFT, bottom),
            (x, bottom),
            if row.fill.is_some() { RULE } else { HAIRLINE },
        );
        self.y = bottom;
    }

    fn text(&mut self, x: f32, baseline: f32, size: f32, bold: bool, text: &str) {
        let run = self.measures.face(bold).run(text);
        self.place(x, baseline, size, bold, run);
    }

    fn right(&mut self, baseline: f32, size: f32, bold: bool, text: &str) {
        let run = self.measures.face(bold).run(text);
        self.place(RIGHT - run.width * size, baseline, size, bold, run);
    }

    fn centred(&mut self, baseline: f32, size: f32, bold: bool, text: &str) {
        let run = self.measures.face(bold).run(text);
        self.place(
            (PAGE_WIDTH - run.width * size) / 2.0,
            baseline,
            size,
            bold,
            run,
        );
    }

    fn place(&mut self, x: f32, baseline: f32, size: f32, bold: bool, run: Run) {
        self.marks().push(Mark::Text {
            x,
            baseline,
            size,
            bold,
            run,
        });
    }

    fn line(&mut self, from: (f32, f32), to: (f32, f32), width: f32) {
        self.marks().push(Mark::Line { from, to, width });
    }
}

/// The footer: serial (or 预览), time of issue, page x of y, and the QR code with its caption.
fn footer(
    measures: &Measures<'_>,
    doc: &TranscriptDoc,
    qr: Option<&QrCode>,
    number: usize,
    count: usize,
    marks: &mut Vec<Mark>,
) {
    let regular = &measures.regular;
    marks.push(Mark::Line {
        from: (LEFT, FOOTER_TOP),
        to: (RIGHT, FOOTER_TOP),
        width: RULE,
    });
    let mut lines = vec![match doc.serial.as_str() {
        "" => "预览（未出具）".to_owned(),
        serial => format!("编号：{serial}"),
    }];
    if !doc.issued_at.is_empty() {
        lines.push(format!("出具时间：{}", issued_at(&doc.issued_at)));
    }
    lines.push(format!("第 {number} 页 / 共 {count} 页"));
    let mut baseline = FOOTER_TOP + 10.0 + ASCENT * TEXT_SIZE;
    for line in lines {
        marks.push(Mark::Text {
            x: LEFT,
            baseline,
            size: TEXT_SIZE,
            bold: false,
            run: regular.run(&line),
        });
        baseline += 15.0;
    }
    let Some(qr) = qr else { return };
    // Below the rule by the quiet zone the QR code needs (4 modules).
    let (x, y) = (RIGHT - QR_SIZE, FOOTER_TOP + 9.0);
    let modules = qr.width();
    let module = QR_SIZE / modules as f32;
    let colors = qr.to_colors();
    for (row, line) in colors.chunks(modules).enumerate() {
        let mut column = 0;
        while column < modules {
            if line[column] != qrcode::Color::Dark {
                column += 1;
                continue;
            }
            let start = column;
            while column < modules && line[column] == qrcode::Color::Dark {
                column += 1;
            }
            let rect = (
                x + start as f32 * module,
                y + row as f32 * module,
                (column - start) as f32 * module,
                module,
            );
            marks.push(Mark::Fill { rect, grey: 0 });
        }
    }
    let caption = regular.run("扫码验证真伪");
    marks.push(Mark::Text {
        x: x + (QR_SIZE - caption.width * QR_CAPTION_SIZE) / 2.0,
        baseline: y + QR_SIZE + 3.0 + ASCENT * QR_CAPTION_SIZE,
        size: QR_CAPTION_SIZE,
        bold: false,
        run: caption,
    });
}

/// Draws a page's marks: fills (one path per shade), then lines (one path per width), then text.
fn draw(surface: &mut Surface<'_>, faces: &Faces, marks: Vec<Mark>) {
    let mut fills: BTreeMap<u8, PathBuilder> = BTreeMap::new();
    let mut lines: BTreeMap<u32, PathBuilder> = BTreeMap::new();
    let mut texts = Vec::new();
    for mark in marks {
        match mark {
            Mark::Fill { rect, grey } => {
                let (x, y, w, h) = rect;
                if let Some(rect) = Rect::from_xywh(x, y, w, h) {
                    fills.entry(grey).or_default().push_rect(rect);
                }
            }
            Mark::Line { from, to, width } => {
                let path = lines.entry(width.to_bits()).or_default();
                path.move_to(from.0, from.1);
                path.line_to(to.0, to.1);
            }
            Mark::Text { .. } => texts.push(mark),
        }
    }
    surface.set_stroke(None);
    // Light shades first: nothing dark lies under a light fill.
    for (grey, path) in fills.into_iter().rev() {
        let Some(path) = path.finish() else { continue };
        surface.set_fill(Some(Fill {
            paint: luma::Color::new(grey).into(),
            ..Fill::default()
        }));
        surface.draw_path(&path);
    }
    surface.set_fill(None);
    for (width, path) in lines {
        let Some(path) = path.finish() else { continue };
        surface.set_stroke(Some(Stroke {
            width: f32::from_bits(width),
            ..Stroke::default()
        }));
        surface.draw_path(&path);
    }
    surface.set_stroke(None);
    surface.set_fill(Some(Fill::default()));
    for mark in texts {
        let Mark::Text {
            x,
            baseline,
            size,
            bold,
            run,
        } = mark
        else {
            continue;
        };
        if run.glyphs.is_empty() {
            continue;
        }
        let font = if bold {
            &faces.bold.font
        } else {
            &faces.regular.font
        };
        surface.draw_glyphs(
            Point::from_xy(x, baseline),
            &run.glyphs,
            font.clone(),
            &run.text,
            size,
            false,
        );
    }
}

/// Hours without trailing zeros: 2, 1.5, 0.25.
fn hours(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// An RFC 3339 time as `YYYY-MM-DD HH:MM` in Asia/Shanghai; anything else as given.
fn issued_at(text: &str) -> String {
    match DateTime::parse_from_rfc3339(text) {
        Ok(at) => at
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        Err(_) => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::{
        people::Degree,
        rules::{Points, Progress},
        transcript::{Method, TranscriptEntry, TranscriptStudent, TranscriptStyle, title_for},
    };
    use std::{process::Command, sync::OnceLock};

    fn fonts() -> &'static PdfFonts {
        static FONTS: OnceLock<PdfFonts> = OnceLock::new();
        FONTS.get_or_init(|| PdfFonts::load().unwrap_or_else(|e| panic!("{e}")))
    }

    const CATEGORIES: [(&str, &str, Method); 3] = [
        ("lecture", "思想成长", Method::Participation),
        ("volunteer", "志愿服务", Method::Hours),
        ("competition", "创新创业", Method::Award),
    ];

    /// A transcript of `count` entries in three sections (by method).
    fn sample(name: &str, student_no: &str, serial: &str, count: usize) -> TranscriptDoc {
        let titles = [
            "“青春心向党”主题团日活动",
            "社区敬老院志愿服务",
            "第十届“挑战杯”全国大学生课外学术科技作品竞赛校内选拔赛暨创新创业训练计划项目路演",
            "图书馆 Open Day: Research Data Management Workshop",
            "新生入学教育讲座",
            "校园十佳歌手大赛",
            "暑期“三下乡”社会实践",
        ];
        let mut sections: Vec<Section> = CATEGORIES
            .iter()
            .map(|(_, _, method)| Section {
                title: method.label_zh().to_owned(),
                entries: Vec::new(),
                points: Points::ZERO,
                hours: 0.0,
            })
            .collect();
        for i in 0..count {
            let (category, category_name, method) = CATEGORIES[i % 3];
            let (hours, detail) = match method {
                Method::Hours => (2.5, "服务时长 2.5 小时".to_owned()),
                Method::Award => (0.0, "校级一等奖（负责人）".to_owned()),
                _ => (0.0, "参与".to_owned()),
            };
            let entry = TranscriptEntry {
                date: format!("2026-{:02}-{:02}", 3 + i % 9, 1 + i % 28),
                term_code: "2025-2026-2".into(),
                term_name: "2025–2026学年第二学期".into(),
                academic_year: "2025-2026".into(),
                category: category.into(),
                category_name: category_name.into(),
                method,
                title: titles[i % titles.len()].into(),
                detail,
                hours,
                points: Points(100 + 50 * (i as i64 % 4)),
            };
            let section = &mut sections[i % 3];
            section.points.0 += entry.points.0;
            section.hours += entry.hours;
            section.entries.push(entry);
        }
        sections.retain(|s| !s.entries.is_empty());
        let total_points = Points(sections.iter().map(|s| s.points.0).sum());
        let total_hours = sections.iter().map(|s| s.hours).sum();
        let earned = |code: &str| {
            let entries = sections.iter().flat_map(|s| &s.entries);
            Points(
                entries
                    .filter(|e| e.category == code)
                    .map(|e| e.points.0)
                    .sum(),
            )
        };
        let mut progress: Vec<Progress> = CATEGORIES
            .iter()
            .map(|(code, _, _)| (code.to_string(), earned(code), Points(1500)))
            .chain([("total".to_owned(), total_points, Points(6000))])
            .map(|(category, earned, required)| Progress {
                met: earned >= required,
                category,
                earned,
                required,
                earned_hours: 0.0,
                required_hours: 0.0,
            })
            .collect();
        progress.push(Progress {
            category: "labour".into(),
            earned: Points::ZERO,
            required: Points(500),
            earned_hours: 3.5,
            required_hours: 15.0,
            met: false,
        });
        progress.rotate_right(1);
        TranscriptDoc {
            school_name: "华东示范大学".into(),
            title: title_for(Degree::Undergraduate),
            style: TranscriptStyle::ByMethod,
            student: TranscriptStudent {
                name: name.into(),
                student_no: student_no.into(),
                college: "计算机科学与技术学院".into(),
                major: "软件工程".into(),
                class_name: "软件2301班".into(),
                enrolment_year: 2023,
                degree: Degree::Undergraduate,
            },
            sections,
            progress,
            total_points,
            total_hours,
            serial: serial.into(),
            issued_at: if serial.is_empty() {
                String::new()
            } else {
                "2026-11-28T06:30:00Z".into()
            },
            verify_url: format!("https://sct.example.edu.cn/verify/{serial}"),
            category_names: Default::default(),
            cadre: Vec::new(),
        }
    }

    /// Writes the PDF where a person can look at it: $TMPDIR/second-classroom-pdf/<name>.pdf.
    fn save(name: &str, pdf: &[u8]) -> PathBuf {
        let dir = std::env::temp_dir().join("second-classroom-pdf");
        std::fs::create_dir_all(&dir).expect("create the temp directory");
        let path = dir.join(format!("{name}.pdf"));
        std::fs::write(&path, pdf).expect("write the PDF");
        path
    }

    /// Runs a poppler tool; fails (not skips) when it is missing.
    fn poppler(tool: &str, args: &[&str]) -> String {
        let output = Command::new(tool).args(args).output().unwrap_or_else(|e| {
            panic!("cannot run {tool} ({e}): install poppler-utils (apt-get install poppler-utils)")
        });
        assert!(
            output.status.success(),
            "{tool} {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("poppler prints UTF-8")
    }

    /// The text of a PDF, page by page, without spaces (pdftotext drops the narrow ones
    /// between Chinese and digits, and adds some of its own).
    fn pages_text(pdf: &Path) -> Vec<String> {
        let text = poppler("pdftotext", &[pdf.to_str().expect("a UTF-8 path"), "-"]);
        let pages = text.split('\u{c}').filter(|page| !page.trim().is_empty());
        pages
            .map(|page| page.split_whitespace().collect())
            .collect()
    }

    fn page_count(pdf: &Path) -> usize {
        let info = poppler("pdfinfo", &[pdf.to_str().expect("a UTF-8 path")]);
        info.lines()
            .find_map(|line| line.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no page count in pdfinfo's output:\n{info}"))
    }

    #[test]
    fn a_long_transcript_continues_on_a_second_page_with_its_text_extractable() {
        let doc = sample("张三", "2023010203", "SCT-7Q2K-M4XD-9PLA", 40);

        let pdf = render(fonts(), &doc).expect("render");

        let path = save("two-pages", &pdf);
        assert_eq!(page_count(&path), 2);
        let pages = pages_text(&path);
        let text = pages.concat();
        for expected in [
            "张三",
            "2023010203",
            "SCT-7Q2K-M4XD-9PLA",
            "志愿服务",
            "华东示范大学",
            "第二课堂成绩单（本科生）",
            "按评价方式",
            "2026-11-2814:30",
            "第2页/共2页",
            "扫码验证真伪",
            "未达标",
            "合计",
        ] {
            assert!(
                text.contains(expected),
                "{expected:?} not in the text:\n{text}"
            );
        }
        assert!(
            pages[1].contains("SCT-7Q2K-M4XD-9PLA"),
            "the serial on page 2"
        );
        assert!(pages[1].contains("（续）"), "page 2 says it continues");
    }

    #[test]
    fn the_cadre_section_lists_positions_with_their_grades() {
        let mut doc = sample("李四", "2023010204", "SCT-CADR-E000-0000", 6);
        doc.cadre = vec![
            shared::transcript::CadreLine {
                title: "学生会主席".into(),
                organization: "计算机科学与技术学院".into(),
                tenure: "2026-09-01 至 2027-06-30".into(),
                grades: "2026-2027-1 优秀".into(),
            },
            shared::transcript::CadreLine {
                title: "班长".into(),
                organization: "计算机科学与技术学院 软件2301".into(),
                tenure: "2025-09-01 至 2026-06-30".into(),
                grades: String::new(),
            },
        ];
        let pdf = render(fonts(), &doc).expect("render");
        let text = pages_text(&save("cadre", &pdf)).concat();
        for expected in [
            "党团学干部经历",
            "学生会主席",
            "2026-2027-1优秀",
            "软件2301",
            "0/3.5小时5/15小时",
        ] {
            assert!(
                text.contains(expected),
                "{expected:?} not in the text:\n{text}"
            );
        }
    }

    #[test]
    fn the_qr_code_on_page_one_decodes_to_the_verification_url() {
        let doc = sample("张三", "2023010203", "SCT-7Q2K-M4XD-9PLA", 40);
        let pdf = render(fonts(), &doc).expect("render");
        let path = save("qr", &pdf);
        let prefix = path.with_extension("");
        let prefix = prefix.to_str().unwrap();

        poppler(
            "pdftoppm",
            &[
                "-r",
                "150",
                "-png",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                path.to_str().unwrap(),
                prefix,
            ],
        );

        let png = image::open(format!("{prefix}.png"))
            .expect("decode the PNG")
            .to_luma8();
        let (width, height) = png.dimensions();
        let mut prepared =
            rqrr::PreparedImage::prepare_from_greyscale(width as usize, height as usize, |x, y| {
                png.get_pixel(x as u32, y as u32).0[0]
            });
        let grids = prepared.detect_grids();
        let decoded: Vec<String> = grids
            .iter()
            .filter_map(|grid| grid.decode().ok().map(|(_, text)| text))
            .collect();
        assert_eq!(decoded, [doc.verify_url]);
    }

    #[test]
    fn a_one_page_transcript_embeds_only_the_glyphs_it_uses() {
        let doc = sample("李四", "2023010204", "SCT-7Q2K-ABCD-EFGH", 8);

        let pdf = render(fonts(), &doc).expect("render");

        let path = save("one-page", &pdf);
        assert_eq!(page_count(&path), 1);
        assert!(pdf.len() < 60 * 1024, "{} bytes", pdf.len());
    }

    #[test]
    fn a_batch_starts_each_transcript_on_a_new_page() {
        let docs = [
            sample("张三", "2023010203", "SCT-7Q2K-0001-AAAA", 6),
            sample("李四", "2023010204", "SCT-7Q2K-0002-BBBB", 40),
            sample("欧阳娜娜", "2023010205", "SCT-7Q2K-0003-CCCC", 0),
        ];

        let mut batch = Batch::new(Vec::new()).expect("start");
        batch.add(fonts(), &docs, &|| {}).expect("add");
        let pdf = batch.finish().expect("finish");

        let path = save("batch", &pdf);
        assert_eq!(page_count(&path), 4);
        let pages = pages_text(&path);
        assert!(pages[0].contains("张三") && pages[0].contains("第1页/共1页"));
        assert!(pages[1].contains("李四") && pages[1].contains("第1页/共2页"));
        assert!(pages[2].contains("李四") && pages[2].contains("第2页/共2页"));
        assert!(pages[3].contains("欧阳娜娜") && pages[3].contains("暂无认定记录"));
        let pdf = String::from_utf8_lossy(&pdf);
        assert_eq!(pdf.matches("/Dest ").count(), 3, "a bookmark per student");
    }

    #[test]
    fn a_batch_joined_from_slices_reads_as_one_document_with_a_bookmark_each() {
        let docs = [
            sample("张三", "2023010203", "SCT-7Q2K-0001-AAAA", 6),
            sample("李四", "2023010204", "SCT-7Q2K-0002-BBBB", 40),
            sample("王五", "2023010205", "SCT-7Q2K-0003-CCCC", 3),
            sample("赵六", "2023010206", "SCT-7Q2K-0004-DDDD", 0),
            sample("欧阳娜娜", "2023010207", "SCT-7Q2K-0005-EEEE", 9),
        ];
        let drawn = std::cell::Cell::new(0);
        let mut batch = Batch::new(Vec::new()).expect("start");
        // Three slices, each its own krilla document with its own font subsets.
        for slice in [&docs[..2], &docs[2..4], &docs[4..]] {
            batch
                .add(fonts(), slice, &|| drawn.set(drawn.get() + 1))
                .expect("add");
        }
        let pdf = batch.finish().expect("finish");
        assert_eq!(drawn.get(), 5);

        let path = save("joined", &pdf);
        let file = path.to_str().expect("a UTF-8 path");
        // Strict: poppler reports a damaged cross-reference table on stderr, then repairs it.
        let info = Command::new("pdfinfo").arg(file).output().expect("pdfinfo");
        assert_eq!(
            String::from_utf8_lossy(&info.stderr),
            "",
            "pdfinfo complains"
        );
        let info = String::from_utf8_lossy(&info.stdout);
        assert!(info.contains("（5 份）"), "the batch's title: {info}");
        assert_eq!(page_count(&path), 6);
        let pages = pages_text(&path);
        let expected = [
            ("张三", "第1页/共1页"),
            ("李四", "第1页/共2页"),
            ("李四", "第2页/共2页"),
            ("王五", "第1页/共1页"),
            ("赵六", "暂无认定记录"),
            ("欧阳娜娜", "第1页/共1页"),
        ];
        for (page, (name, marker)) in pages.iter().zip(expected) {
            assert!(
                page.contains(name) && page.contains(marker),
                "{name}: {page}"
            );
        }
        // The outline, as poppler reads it: each student's bookmark opens their first page.
        let xml = poppler("pdftohtml", &["-xml", "-stdout", "-i", "-q", file]);
        let outline: Vec<(String, String)> = xml
            .split("<item page=\"")
            .skip(1)
            .map(|item| {
                let (page, rest) = item.split_once("\">").expect("an item");
                let title = rest.split('<').next().expect("a title");
                (page.to_owned(), title.to_owned())
            })
            .collect();
        let want: Vec<(String, String)> = [
            ("1", "张三 2023010203"),
            ("2", "李四 2023010204"),
            ("4", "王五 2023010205"),
            ("5", "赵六 2023010206"),
            ("6", "欧阳娜娜 2023010207"),
        ]
        .iter()
        .map(|(page, title)| (page.to_string(), title.to_string()))
        .collect();
        assert_eq!(outline, want);
    }

    #[test]
    fn a_preview_says_it_is_not_issued() {
        let mut doc = sample("张三", "2023010203", "", 5);
        doc.verify_url.clear();

        let pdf = render(fonts(), &doc).expect("render");

        let path = save("preview", &pdf);
        let text = pages_text(&path).concat();
        assert!(text.contains("预览（未出具）"), "{text}");
        assert!(!text.contains("扫码验证真伪"), "no QR code without a URL");
    }

    #[test]
    fn nothing_to_render_is_an_error() {
        let batch = Batch::new(Vec::new()).expect("start");
        assert!(batch.finish().is_err());
    }

    #[test]
    fn long_text_wraps_and_is_cut_with_an_ellipsis() {
        let faces = &fonts().0;
        let measure = faces.regular.measure().expect("measure");
        let text =
            "第十届“挑战杯”全国大学生课外学术科技作品竞赛校内选拔赛暨创新创业训练计划项目路演";

        let lines = measure.wrap(text, 10.0, 100.0, 2);

        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|run| run.width * 10.0 <= 100.0 + 0.01));
        assert!(text.starts_with(&lines[0].text));
        assert!(lines[1].text.ends_with('…'), "{}", lines[1].text);
        let words = measure.wrap("Research Data Management Workshop", 10.0, 100.0, 3);
        let texts: Vec<&str> = words.iter().map(|run| run.text.as_str()).collect();
        assert!(
            texts
                .iter()
                .all(|t| !t.starts_with(' ') && !t.ends_with(' ')),
            "{texts:?}"
        );
        assert_eq!(
            texts.concat().replace(' ', ""),
            "ResearchDataManagementWorkshop"
        );
    }

    #[test]
    fn times_of_issue_are_shown_in_shanghai_time() {
        assert_eq!(issued_at("2026-11-28T06:30:00Z"), "2026-11-28 14:30");
        assert_eq!(issued_at("2026-11-28T14:30:00+08:00"), "2026-11-28 14:30");
        assert_eq!(issued_at("昨天"), "昨天");
        assert_eq!([hours(2.0), hours(1.5), hours(0.25)], ["2", "1.5", "0.25"]);
    }

    #[test]
    fn the_simplified_chinese_face_of_noto_cjk_is_chosen() {
        let path = FONT_LOCATIONS[0].0;
        let data = std::fs::read(path).expect("fonts-noto-cjk is installed");
        assert_eq!(simplified_chinese_face(&data), Ok(2));
    }

    /// `cargo test --release -p api --lib pdf -- --ignored --nocapture`
    #[test]
    #[ignore = "a timing, not a check"]
    fn render_speed() {
        for (entries, name) in [(8, "speed-one-page"), (40, "speed-two-pages")] {
            let doc = sample("张三", "2023010203", "SCT-7Q2K-M4XD-9PLA", entries);
            let pdf = render(fonts(), &doc).expect("render");
            let pages = page_count(&save(name, &pdf));
            let started = std::time::Instant::now();
            let n = 200;
            for _ in 0..n {
                render(fonts(), &doc).expect("render");
            }
            let ms = started.elapsed().as_secs_f64() * 1000.0 / n as f64;
            println!(
                "{entries} entries, {pages} page(s), {} bytes: {ms:.2} ms a transcript, \
                 {:.2} ms a page",
                pdf.len(),
                ms / pages as f64
            );
        }
    }
}
