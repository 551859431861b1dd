//! Certificates and posters drawn from their SVG document: read once by usvg with the
//! transcripts' CJK faces, then drawn to PNG by resvg or to PDF by krilla-svg (its text kept as
//! text, with only the glyphs used embedded).

use std::io::Write;

use krilla::{Document, geom::Size, metadata::Metadata, page::PageSettings};
use krilla_svg::{SurfaceExt, SvgSettings};
use qrcode::{Color, QrCode};
use shared::certificate::{self, CertificateDoc, Extras};

use crate::pdf::PdfFonts;

/// Reads an SVG document with the server's fonts (and no access to files).
pub fn tree(fonts: &PdfFonts, svg: &str) -> Result<usvg::Tree, String> {
    usvg::Tree::from_str(svg, &fonts.svg_options())
        .map_err(|e| format!("cannot read the page: {e}"))
}

/// The page as a PNG, `scale` pixels per point.
pub fn png(tree: &usvg::Tree, scale: f32) -> Result<Vec<u8>, String> {
    let size = tree.size();
    let width = (size.width() * scale).round() as u32;
    let height = (size.height() * scale).round() as u32;
    let mut pixmap = resvg::tiny_skia::Pixmap::new(width, height).ok_or("bad image size")?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(
        tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| format!("cannot encode the PNG: {e}"))
}

/// The page as a one-page PDF.
pub fn pdf(tree: &usvg::Tree, title: &str, author: &str) -> Result<Vec<u8>, String> {
    let size = tree.size();
    let mut document = Document::new();
    let settings = PageSettings::from_wh(size.width(), size.height()).ok_or("bad page size")?;
    let mut page = document.start_page_with(settings);
    let mut surface = page.surface();
    let size = Size::from_wh(size.width(), size.height()).ok_or("bad page size")?;
    surface
        .draw_svg(tree, size, SvgSettings::default())
        .ok_or("cannot draw the page")?;
    surface.finish();
    page.finish();
    document.set_metadata(
        Metadata::new()
            .title(title.to_owned())
            .authors(vec![author.to_owned()])
            .creator("Second Classroom Transcript".to_owned())
            .language("zh-CN".to_owned()),
    );
    document
        .finish()
        .map_err(|e| format!("cannot write the PDF: {e:?}"))
}

/// A QR code's modules, row by row.
pub fn qr(text: &str) -> Result<(usize, Vec<bool>), String> {
    let code = QrCode::new(text).map_err(|e| format!("cannot encode {text} as QR: {e}"))?;
    let width = code.width();
    let modules = code
        .to_colors()
        .into_iter()
        .map(|c| c == Color::Dark)
        .collect();
    Ok((width, modules))
}

/// A seal as a `data:` URL for the page.
pub fn data_url(content_type: &str, bytes: &[u8]) -> String {
    use base64::Engine as _;
    format!(
        "data:{content_type};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// A certificate's SVG document: its QR code to its verification page and its seal.
pub fn certificate_svg(doc: &CertificateDoc, seal: Option<&str>) -> Result<String, String> {
    let qr = match doc.verify_url.as_str() {
        "" => None,
        url => Some(qr(url)?),
    };
    Ok(certificate::svg(
        doc,
        &Extras {
            seal_href: seal,
            qr: qr.as_ref().map(|(n, m)| (*n, m.as_slice())),
        },
    ))
}

/// What a certificate downloads as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pdf,
    Png,
}

/// Pixels per point of a certificate's PNG: A4 landscape at 1684 × 1190, sharp on a phone and
/// small enough to share in a chat.
pub const PNG_SCALE: f32 = 2.0;

/// Draws one certificate.
pub fn certificate(
    fonts: &PdfFonts,
    doc: &CertificateDoc,
    seal: Option<&str>,
    format: Format,
) -> Result<Vec<u8>, String> {
    let svg = certificate_svg(doc, seal)?;
    let tree = tree(fonts, &svg)?;
    match format {
        Format::Pdf => pdf(
            &tree,
            &format!("{} {} {}", doc.title, doc.student_name, doc.student_no),
            &doc.issuer,
        ),
        Format::Png => png(&tree, PNG_SCALE),
    }
}

/// A `Write` that hands what is written to an async receiver in pieces of about `PIECE`
/// bytes, waiting while the receiver is behind (so a slow download slows the rendering, not
/// the memory).
pub struct ChannelWriter {
    sender: tokio::sync::mpsc::Sender<actix_web::web::Bytes>,
    buffer: Vec<u8>,
}

const PIECE: usize = 256 * 1024;

impl ChannelWriter {
    pub fn new(sender: tokio::sync::mpsc::Sender<actix_web::web::Bytes>) -> ChannelWriter {
        ChannelWriter {
            sender,
            buffer: Vec::with_capacity(PIECE),
        }
    }

    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let piece = std::mem::replace(&mut self.buffer, Vec::with_capacity(PIECE));
        self.sender
            .blocking_send(piece.into())
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "download ended"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= PIECE {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::certificate::{CertificateKind, TemplateDesign, preview};

    #[test]
    fn a_certificate_draws_to_pdf_and_png() {
        let Ok(fonts) = PdfFonts::load() else {
            eprintln!("no CJK font here; skipped");
            return;
        };
        let mut doc = preview(
            CertificateKind::Award,
            &TemplateDesign::standard(CertificateKind::Award, "共青团示范大学委员会"),
        );
        doc.serial = "SCC-0000-0000-0000-0000-0000-0000".into();
        doc.verify_url = "https://example.edu/verify/SCC-0000-0000-0000-0000-0000-0000".into();
        let started = std::time::Instant::now();
        let pdf = certificate(&fonts, &doc, None, Format::Pdf).unwrap();
        let first = started.elapsed();
        let started = std::time::Instant::now();
        let n = 20;
        for _ in 0..n {
            certificate(&fonts, &doc, None, Format::Pdf).unwrap();
        }
        let each = started.elapsed() / n;
        let started = std::time::Instant::now();
        let png = certificate(&fonts, &doc, None, Format::Png).unwrap();
        eprintln!(
            "pdf {} bytes (first {first:?}, then {each:?} each); png {} bytes in {:?}",
            pdf.len(),
            png.len(),
            started.elapsed()
        );
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(png.starts_with(b"\x89PNG"));
    }
}
