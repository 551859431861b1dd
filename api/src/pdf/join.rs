//! Joins PDFs rendered a slice at a time into one file, written out as it goes. krilla keeps a
//! whole document in memory until `finish` and then serialises it once more, so a batch of
//! thousands of transcripts rendered as one document held its file three times over; joined
//! slices hold one slice.
//!
//! It reads what krilla (pdf-writer) writes, and only that: a classic cross-reference table,
//! a flat page tree, direct stream lengths. Every object of a slice is copied with its
//! references renumbered, except the slice's catalog, page tree, document information and XMP
//! metadata: the joined file has one of each, written at the end, with an outline of one
//! bookmark per transcript.

use std::{io::Write, ops::Range};

/// The joined file's own objects; the slices' objects are numbered after them.
const CATALOG: u32 = 1;
const PAGES: u32 = 2;
const INFO: u32 = 3;
const OUTLINES: u32 = 4;

/// Writes the joined PDF to `out` as slices arrive.
pub struct Joiner<W: Write> {
    out: W,
    written: u64,
    /// Where each object starts in the output, by number (0 and the joined file's own objects
    /// are filled in by [`Joiner::finish`]).
    offsets: Vec<u64>,
    /// Every page, in order.
    pages: Vec<u32>,
    /// (title, page) of each bookmark.
    bookmarks: Vec<(String, u32)>,
}

/// The document information of the joined file.
pub struct Info<'a> {
    pub title: &'a str,
    pub author: &'a str,
    pub creator: &'a str,
    pub language: &'a str,
}

impl<W: Write> Joiner<W> {
    pub fn new(out: W) -> Result<Joiner<W>, String> {
        let mut joiner = Joiner {
            out,
            written: 0,
            offsets: vec![0; OUTLINES as usize + 1],
            pages: Vec::new(),
            bookmarks: Vec::new(),
        };
        // The binary marker tells transfer tools that the file is not text.
        joiner.write(b"%PDF-1.7\n%\x80\x80\x80\x80\n\n")?;
        Ok(joiner)
    }

    /// Appends the pages of `pdf`, one of krilla's, with a bookmark `(title, page index in
    /// pdf)` for each of `bookmarks`.
    pub fn append(&mut self, pdf: &[u8], bookmarks: &[(String, usize)]) -> Result<(), String> {
        let file = Parsed::read(pdf)?;
        let catalog = file.body(file.root)?;
        let tree = reference(catalog, b"/Pages").ok_or("the slice has no page tree")?;
        let metadata = reference(catalog, b"/Metadata");
        let kids = references(file.body(tree)?, b"/Kids");
        let dropped = [Some(file.root), Some(tree), metadata, file.info];
        let kept: Vec<&(u32, Range<usize>)> = file
            .objects
            .iter()
            .filter(|(id, _)| !dropped.contains(&Some(*id)))
            .collect();
        // Each kept object's new number, by its number in the slice.
        let highest = file.objects.iter().map(|(id, _)| *id).max().unwrap_or(0);
        let mut renumbered = vec![0u32; highest as usize + 1];
        for (id, _) in &kept {
            renumbered[*id as usize] = self.offsets.len() as u32;
            self.offsets.push(0);
        }
        let map = |id: u32| match renumbered.get(id as usize) {
            _ if id == tree => Ok(PAGES),
            Some(&new) if new != 0 => Ok(new),
            _ => Err(format!(
                "the slice refers to object {id}, which it does not carry"
            )),
        };
        let mut object = Vec::new();
        for (id, span) in kept {
            let new = map(*id)?;
            let source = &pdf[span.clone()];
            let body = header_end(source).ok_or_else(|| format!("object {id} has no header"))?;
            object.clear();
            write!(object, "{new} 0 obj").map_err(|e| e.to_string())?;
            let read = renumber(&source[body..], &mut object, &map)?;
            object.extend_from_slice(&source[body + read..]);
            self.offsets[new as usize] = self.written;
            self.write(&object)?;
        }
        let first = self.pages.len();
        for kid in &kids {
            self.pages.push(map(*kid)?);
        }
        for (title, index) in bookmarks {
            let page = self
                .pages
                .get(first + index)
                .filter(|_| *index < kids.len())
                .ok_or_else(|| format!("no page {index} in a slice of {}", kids.len()))?;
            self.bookmarks.push((title.clone(), *page));
        }
        Ok(())
    }

    /// Writes the page tree, outline, document information, catalog and cross-reference
    /// table; returns the output.
    pub fn finish(mut self, info: &Info<'_>) -> Result<W, String> {
        if self.pages.is_empty() {
            return Err("no page to write".into());
        }
        let mut text = Vec::new();
        let kids: Vec<String> = self.pages.iter().map(|id| format!("{id} 0 R")).collect();
        write!(
            text,
            "<<\n  /Type /Pages\n  /Kids [{}]\n  /Count {}\n>>",
            kids.join(" "),
            self.pages.len()
        )
        .map_err(|e| e.to_string())?;
        self.object(PAGES, &text)?;

        let first_item = self.offsets.len() as u32;
        let count = self.bookmarks.len() as u32;
        let bookmarks = std::mem::take(&mut self.bookmarks);
        for (i, (title, page)) in bookmarks.iter().enumerate() {
            let id = first_item + i as u32;
            text.clear();
            write!(
                text,
                "<<\n  /Title {}\n  /Parent {OUTLINES} 0 R\n",
                text_string(title)
            )
            .map_err(|e| e.to_string())?;
            if i > 0 {
                writeln!(text, "  /Prev {} 0 R", id - 1).map_err(|e| e.to_string())?;
            }
            if i + 1 < bookmarks.len() {
                writeln!(text, "  /Next {} 0 R", id + 1).map_err(|e| e.to_string())?;
            }
            write!(text, "  /Dest [{page} 0 R /Fit]\n>>").map_err(|e| e.to_string())?;
            self.offsets.push(0);
            self.object(id, &text)?;
        }
        text.clear();
        if count > 0 {
            write!(
                text,
                "<<\n  /Type /Outlines\n  /First {first_item} 0 R\n  /Last {} 0 R\n  /Count {count}\n>>",
                first_item + count - 1
            )
        } else {
            write!(text, "<<\n  /Type /Outlines\n  /Count 0\n>>")
        }
        .map_err(|e| e.to_string())?;
        self.object(OUTLINES, &text)?;

        text.clear();
        write!(
            text,
            "<<\n  /Title {}\n  /Author {}\n  /Creator {}\n  /Producer (krilla)\n>>",
            text_string(info.title),
            text_string(info.author),
            text_string(info.creator)
        )
        .map_err(|e| e.to_string())?;
        self.object(INFO, &text)?;

        text.clear();
        write!(
            text,
            "<<\n  /Type /Catalog\n  /Pages {PAGES} 0 R\n  /Outlines {OUTLINES} 0 R\n  \
             /PageMode /UseOutlines\n  /Lang {}\n>>",
            text_string(info.language)
        )
        .map_err(|e| e.to_string())?;
        self.object(CATALOG, &text)?;

        let xref = self.written;
        text.clear();
        write!(
            text,
            "xref\n0 {}\n0000000000 65535 f\r\n",
            self.offsets.len()
        )
        .map_err(|e| e.to_string())?;
        for offset in &self.offsets[1..] {
            write!(text, "{offset:010} 00000 n\r\n").map_err(|e| e.to_string())?;
        }
        write!(
            text,
            "trailer\n<<\n  /Size {}\n  /Root {CATALOG} 0 R\n  /Info {INFO} 0 R\n>>\nstartxref\n{xref}\n%%EOF",
            self.offsets.len()
        )
        .map_err(|e| e.to_string())?;
        self.write(&text)?;
        self.out.flush().map_err(|e| e.to_string())?;
        Ok(self.out)
    }

    fn object(&mut self, id: u32, body: &[u8]) -> Result<(), String> {
        self.offsets[id as usize] = self.written;
        self.write(format!("{id} 0 obj\n").as_bytes())?;
        self.write(body)?;
        self.write(b"\nendobj\n\n")
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.out
            .write_all(bytes)
            .map_err(|e| format!("cannot write the PDF: {e}"))?;
        self.written += bytes.len() as u64;
        Ok(())
    }
}

/// A PDF string of `text`: UTF-16BE with its byte order mark, in hex.
fn text_string(text: &str) -> String {
    let mut out = String::from("<FEFF");
    for unit in text.encode_utf16() {
        out.push_str(&format!("{unit:04X}"));
    }
    out.push('>');
    out
}

/// A slice's cross-reference table and trailer.
struct Parsed<'a> {
    pdf: &'a [u8],
    /// (number, byte range) of every object, in the order they are in the file (each ends where
    /// the next begins, the last at the cross-reference table).
    objects: Vec<(u32, Range<usize>)>,
    root: u32,
    info: Option<u32>,
}

impl<'a> Parsed<'a> {
    fn read(pdf: &'a [u8]) -> Result<Parsed<'a>, String> {
        let at = rfind(pdf, b"startxref").ok_or("no startxref")?;
        let mut lexer = Lexer::new(pdf, at + b"startxref".len());
        let xref = match lexer.next() {
            Some((Token::Int(n), _)) => n as usize,
            _ => return Err("no offset after startxref".into()),
        };
        let mut lexer = Lexer::new(pdf, xref);
        if lexer.next().map(|(_, range)| &pdf[range]) != Some(b"xref") {
            return Err("startxref does not point at a cross-reference table".into());
        }
        let mut offsets = Vec::new();
        let trailer = loop {
            let (start, count) = match (lexer.next(), lexer.next()) {
                (Some((Token::Int(start), _)), Some((Token::Int(count), _))) => (start, count),
                (Some((Token::Word, range)), _) if &pdf[range.clone()] == b"trailer" => {
                    break range.end;
                }
                _ => return Err("a malformed cross-reference table".into()),
            };
            for id in start..start + count {
                let entry = (lexer.next(), lexer.next(), lexer.next());
                let (Some((Token::Int(offset), _)), Some((Token::Int(_), _)), Some((_, kind))) =
                    entry
                else {
                    return Err(format!("a malformed cross-reference entry for object {id}"));
                };
                if offsets.len() <= id as usize {
                    offsets.resize(id as usize + 1, None);
                }
                offsets[id as usize] = (&pdf[kind] == b"n").then_some(offset as usize);
            }
        };
        let trailer = &pdf[trailer..at];
        let root = reference(trailer, b"/Root").ok_or("the trailer has no /Root")?;
        let mut starts: Vec<(usize, u32)> = offsets
            .iter()
            .enumerate()
            .filter_map(|(id, offset)| offset.map(|offset| (offset, id as u32)))
            .collect();
        starts.sort_unstable();
        let ends = starts
            .iter()
            .skip(1)
            .map(|(offset, _)| *offset)
            .chain([xref]);
        let objects = starts
            .iter()
            .zip(ends)
            .map(|((start, id), end)| (*id, *start..end))
            .collect();
        Ok(Parsed {
            pdf,
            objects,
            root,
            info: reference(trailer, b"/Info"),
        })
    }

    /// The bytes of object `id` after its `n 0 obj`.
    fn body(&self, id: u32) -> Result<&'a [u8], String> {
        let (_, span) = self
            .objects
            .iter()
            .find(|(object, _)| *object == id)
            .ok_or_else(|| format!("no object {id}"))?;
        let source = &self.pdf[span.clone()];
        let start = header_end(source).ok_or_else(|| format!("object {id} has no header"))?;
        Ok(&source[start..])
    }
}

/// Where `n g obj` ends at the start of `object`.
fn header_end(object: &[u8]) -> Option<usize> {
    let mut lexer = Lexer::new(object, 0);
    match (lexer.next(), lexer.next(), lexer.next()) {
        (Some((Token::Int(_), _)), Some((Token::Int(_), _)), Some((Token::Word, range)))
            if &object[range.clone()] == b"obj" =>
        {
            Some(range.end)
        }
        _ => None,
    }
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .rposition(|window| window == needle)
}

/// The object `key` refers to (`key n 0 R`), the first time `key` occurs in `source`.
fn reference(source: &[u8], key: &[u8]) -> Option<u32> {
    let mut lexer = Lexer::new(source, 0);
    while let Some((_, range)) = lexer.next() {
        if &source[range] == key {
            return match (lexer.next(), lexer.next(), lexer.next()) {
                (Some((Token::Int(id), _)), Some((Token::Int(_), _)), Some((Token::Word, r)))
                    if &source[r.clone()] == b"R" =>
                {
                    Some(id)
                }
                _ => None,
            };
        }
    }
    None
}

/// The objects an array `key [n 0 R …]` refers to, the first time `key` occurs in `source`.
fn references(source: &[u8], key: &[u8]) -> Vec<u32> {
    let mut lexer = Lexer::new(source, 0);
    let mut ids = Vec::new();
    while let Some((_, range)) = lexer.next() {
        if &source[range] != key {
            continue;
        }
        let mut ints = Vec::new();
        for (token, range) in lexer.by_ref() {
            match token {
                Token::Int(n) => ints.push(n),
                Token::Word if &source[range.clone()] == b"R" && ints.len() >= 2 => {
                    ids.push(ints[ints.len() - 2]);
                    ints.clear();
                }
                _ if &source[range] == b"[" => {}
                _ => break,
            }
        }
        break;
    }
    ids
}

/// Copies an object's body (after `n g obj`) from `source` into `out` with every reference
/// `n g R` renumbered by `map`, up to and including the `stream` keyword and its end of line
/// (the stream's bytes are not PDF syntax) or `endobj`; returns how much of `source` it read.
fn renumber(
    source: &[u8],
    out: &mut Vec<u8>,
    map: &dyn Fn(u32) -> Result<u32, String>,
) -> Result<usize, String> {
    let lexer = Lexer::new(source, 0);
    // Copied up to here.
    let mut copied = 0;
    // The last two tokens, while they are integers: (where the first starts, its value).
    let mut integers: [Option<(usize, u32)>; 2] = [None, None];
    for (token, range) in lexer {
        let word = &source[range.clone()];
        match token {
            Token::Int(n) => integers = [integers[1], Some((range.start, n))],
            Token::Word if word == b"R" => {
                if let [Some((start, id)), Some(_)] = integers {
                    out.extend_from_slice(&source[copied..start]);
                    out.extend_from_slice(map(id)?.to_string().as_bytes());
                    copied = start + id.to_string().len();
                }
                integers = [None, None];
            }
            Token::Word if word == b"stream" => {
                let mut end = range.end;
                if source.get(end) == Some(&b'\r') {
                    end += 1;
                }
                if source.get(end) == Some(&b'\n') {
                    end += 1;
                }
                out.extend_from_slice(&source[copied..end]);
                return Ok(end);
            }
            Token::Word if word == b"endobj" => {
                out.extend_from_slice(&source[copied..range.end]);
                return Ok(range.end);
            }
            _ => integers = [None, None],
        }
    }
    out.extend_from_slice(&source[copied..]);
    Ok(source.len())
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Token {
    /// A non-negative integer (object numbers, offsets).
    Int(u32),
    /// Any other regular token: `R`, `obj`, `stream`, `true`, a real number.
    Word,
    /// `/Name`.
    Name,
    /// A literal `(…)` or hex `<…>` string.
    String,
    /// `<<`, `>>`, `[`, `]`, `{`, `}`.
    Delimiter,
}

/// PDF tokens of `source` from a position, skipping white space and comments.
struct Lexer<'a> {
    source: &'a [u8],
    at: usize,
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\n' | b'\r' | b'\t' | b'\x0c' | b'\0')
}

fn ends_token(c: u8) -> bool {
    is_space(c) || b"()<>[]{}/%".contains(&c)
}

impl<'a> Lexer<'a> {
    fn new(source: &'a [u8], at: usize) -> Lexer<'a> {
        Lexer { source, at }
    }
}

impl Iterator for Lexer<'_> {
    type Item = (Token, Range<usize>);

    fn next(&mut self) -> Option<Self::Item> {
        let source = self.source;
        let mut i = self.at;
        loop {
            match *source.get(i)? {
                c if is_space(c) => i += 1,
                b'%' => {
                    while i < source.len() && !matches!(source[i], b'\n' | b'\r') {
                        i += 1;
                    }
                }
                _ => break,
            }
        }
        let start = i;
        let token = match source[i] {
            b'(' => {
                let mut depth = 0;
                loop {
                    match *source.get(i)? {
                        b'\\' => i += 1,
                        b'(' => depth += 1,
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                i += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                Token::String
            }
            b'<' | b'>' if source.get(i + 1) == Some(&source[i]) => {
                i += 2;
                Token::Delimiter
            }
            b'<' => {
                while *source.get(i)? != b'>' {
                    i += 1;
                }
                i += 1;
                Token::String
            }
            b'/' => {
                i += 1;
                while i < source.len() && !ends_token(source[i]) {
                    i += 1;
                }
                Token::Name
            }
            c if ends_token(c) => {
                i += 1;
                Token::Delimiter
            }
            _ => {
                while i < source.len() && !ends_token(source[i]) {
                    i += 1;
                }
                std::str::from_utf8(&source[start..i])
                    .ok()
                    .filter(|word| word.bytes().all(|c| c.is_ascii_digit()))
                    .and_then(|word| word.parse().ok())
                    .map_or(Token::Word, Token::Int)
            }
        };
        self.at = i;
        Some((token, start..i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(source: &[u8]) -> Vec<(Token, String)> {
        Lexer::new(source, 0)
            .map(|(token, range)| (token, String::from_utf8_lossy(&source[range]).into_owned()))
            .collect()
    }

    #[test]
    fn strings_and_names_are_single_tokens() {
        let got = tokens(b"<< /Title (a (nested) \\) 1 0 R) /T <FEFF0031> /N 12 0 R >>");
        let want = [
            (Token::Delimiter, "<<"),
            (Token::Name, "/Title"),
            (Token::String, "(a (nested) \\) 1 0 R)"),
            (Token::Name, "/T"),
            (Token::String, "<FEFF0031>"),
            (Token::Name, "/N"),
            (Token::Int(12), "12"),
            (Token::Int(0), "0"),
            (Token::Word, "R"),
            (Token::Delimiter, ">>"),
        ];
        let want: Vec<(Token, String)> = want.iter().map(|(t, s)| (*t, s.to_string())).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn references_are_renumbered_and_strings_and_streams_are_not() {
        let source = b"\n<<\n  /Parent 7 0 R\n  /Kids [3 0 R 14 0 R]\n  /Title (see 3 0 R)\n  \
                       /MediaBox [0 0 595 842]\n  /Length 9\n>>\nstream\n3 0 R 4 0 R\nendstream\nendobj\n";
        let mut out = Vec::new();
        let read = renumber(source, &mut out, &|id| Ok(id + 100)).expect("renumber");
        out.extend_from_slice(&source[read..]);
        assert_eq!(
            String::from_utf8(out).expect("text"),
            "\n<<\n  /Parent 107 0 R\n  /Kids [103 0 R 114 0 R]\n  /Title (see 3 0 R)\n  \
             /MediaBox [0 0 595 842]\n  /Length 9\n>>\nstream\n3 0 R 4 0 R\nendstream\nendobj\n"
        );
    }

    #[test]
    fn a_reference_to_an_object_the_slice_lacks_is_an_error() {
        let mut out = Vec::new();
        let result = renumber(b"<< /A 5 0 R >>", &mut out, &|id| Err(format!("no {id}")));
        assert_eq!(result, Err("no 5".to_owned()));
    }

    #[test]
    fn text_strings_are_utf16_with_a_byte_order_mark() {
        assert_eq!(text_string("张 1"), "<FEFF5F2000200031>");
    }
}
