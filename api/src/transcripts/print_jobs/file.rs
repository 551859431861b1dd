//! A batch print's file, written while it renders: one PDF joined from slices
//! ([`crate::pdf::Batch`]), or a zip of one PDF per student. Its bytes leave in parts through a
//! channel to the task that stores them, so however many students a batch prints, it holds a
//! slice of them and a part of the file.

use std::io::{self, Write};

use shared::transcript::{PrintFormat, TranscriptDoc};
use tokio::sync::mpsc;
use zip::write::{SimpleFileOptions, StreamWriter};

use crate::pdf::{self, PdfFonts};

/// Cuts what is written into parts of `size` bytes and sends each on (blocking while the
/// receiver is behind: the renderer waits for the database, not the other way round).
pub struct Parts {
    sender: mpsc::Sender<Vec<u8>>,
    buffer: Vec<u8>,
    size: usize,
    total: u64,
}

impl Parts {
    pub fn new(sender: mpsc::Sender<Vec<u8>>, size: usize) -> Parts {
        Parts {
            sender,
            buffer: Vec::with_capacity(size),
            size,
            total: 0,
        }
    }

    fn send(&mut self, part: Vec<u8>) -> io::Result<()> {
        self.sender
            .blocking_send(part)
            .map_err(|_| io::Error::other("the batch stopped taking parts"))
    }

    /// Sends the last part; returns the file's size.
    fn finish(mut self) -> io::Result<u64> {
        if !self.buffer.is_empty() {
            let last = std::mem::take(&mut self.buffer);
            self.send(last)?;
        }
        Ok(self.total)
    }
}

impl Write for Parts {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let mut rest = bytes;
        while !rest.is_empty() {
            let room = self.size - self.buffer.len();
            let (now, later) = rest.split_at(room.min(rest.len()));
            self.buffer.extend_from_slice(now);
            rest = later;
            if self.buffer.len() == self.size {
                let part = std::mem::replace(&mut self.buffer, Vec::with_capacity(self.size));
                self.send(part)?;
            }
        }
        self.total += bytes.len() as u64;
        Ok(bytes.len())
    }

    /// A part is sent when full or at the end; there is nothing to flush before.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The file of a batch in one of its formats.
pub enum PrintFile {
    Pdf(pdf::Batch<Parts>),
    Zip(Box<zip::ZipWriter<StreamWriter<Parts>>>),
}

impl PrintFile {
    pub fn new(format: PrintFormat, parts: Parts) -> Result<PrintFile, String> {
        Ok(match format {
            PrintFormat::Pdf => PrintFile::Pdf(pdf::Batch::new(parts)?),
            PrintFormat::Zip => PrintFile::Zip(Box::new(zip::ZipWriter::new_stream(parts))),
        })
    }

    /// `(file name, content type)` of a job's file.
    pub fn describe(format: PrintFormat, job: &uuid::Uuid) -> (String, &'static str) {
        let short = &job.to_string()[..8];
        match format {
            PrintFormat::Pdf => (format!("transcripts-{short}.pdf"), "application/pdf"),
            PrintFormat::Zip => (format!("transcripts-{short}.zip"), "application/zip"),
        }
    }

    /// Renders and writes `docs` (a zip names each student's file by `names`), calling `drawn`
    /// after each transcript.
    pub fn add(
        &mut self,
        fonts: &PdfFonts,
        docs: &[TranscriptDoc],
        names: &[String],
        drawn: &dyn Fn(),
    ) -> Result<(), String> {
        match self {
            PrintFile::Pdf(batch) => batch.add(fonts, docs, drawn),
            PrintFile::Zip(zip) => {
                // The PDFs are compressed already.
                let options =
                    SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
                for (doc, name) in docs.iter().zip(names) {
                    let file = pdf::render(fonts, doc)?;
                    zip.start_file(format!("{name}.pdf"), options)
                        .map_err(|e| e.to_string())?;
                    zip.write_all(&file).map_err(|e| e.to_string())?;
                    drawn();
                }
                Ok(())
            }
        }
    }

    /// Writes the end of the file and sends its last part; returns its size.
    pub fn finish(self) -> Result<u64, String> {
        let parts = match self {
            PrintFile::Pdf(batch) => batch.finish()?,
            PrintFile::Zip(zip) => zip.finish().map_err(|e| e.to_string())?.into_inner(),
        };
        parts
            .finish()
            .map_err(|e| format!("cannot store the file: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_cut_at_the_size_whatever_the_writes() {
        let (sender, mut receiver) = mpsc::channel(100);
        let mut parts = Parts::new(sender, 4);
        for write in [&b"ab"[..], b"cdefghij", b"", b"k"] {
            parts.write_all(write).expect("write");
        }
        assert_eq!(parts.finish().expect("finish"), 11);
        let mut got = Vec::new();
        while let Ok(part) = receiver.try_recv() {
            got.push(String::from_utf8(part).expect("text"));
        }
        assert_eq!(got, ["abcd", "efgh", "ijk"]);
    }
}
