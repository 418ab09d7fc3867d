//! Text from resume files: format detection, the PDF and DOCX readers,
//! cleaning, and the checks that tell a readable resume from a scan, an
//! encrypted file or garbage.
//!
//! [`extract`] parses untrusted bytes, so the server never calls it in its
//! own process for PDF and DOCX: `super::sandbox` runs it in a child process
//! (`mentor extract-text`) under memory, CPU and time limits.

pub mod docx;
#[cfg(test)]
mod fixtures;
pub mod pdf;
#[cfg(test)]
pub mod recall;
pub mod text;

use serde::{Deserialize, Serialize};
use shared_types::{RESUME_TEXT_MAX_CHARS, ResumeFormat};

/// Fewer words than this is not a resume's text.
pub const MIN_WORDS: u32 = 20;

/// Extracted text and what the user should check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extracted {
    /// The cleaned text.
    pub text: String,
    /// Things extraction noticed.
    pub warnings: Vec<String>,
}

/// Why a document has no usable text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Failure {
    /// Password-protected (or a legacy .doc in disguise).
    #[error(
        "The document is password-protected. Remove the password and upload it again, or paste the text."
    )]
    Encrypted,
    /// Pages without text: a scan or photographs.
    #[error(
        "The document has no text layer: it looks scanned or made of images. Export it as a PDF with text (from Word, Google Docs or LibreOffice), or paste the text."
    )]
    ImageOnly,
    /// No text at all.
    #[error("The document is empty. Upload a resume with text in it, or paste the text.")]
    Empty,
    /// Text that is not words (a font without a character map, binary data).
    #[error(
        "The document's text cannot be read (its font has no usable character map). Export it as a PDF with text from your editor, or paste the text."
    )]
    Garbled,
    /// More pages than a resume has.
    #[error(
        "The document has {0} pages, more than a resume should. Upload your resume alone, or paste the text."
    )]
    TooManyPages(usize),
    /// Inflates to more than the limit.
    #[error(
        "The document expands to more data than a resume holds. Export it again as a PDF with text, or paste the text."
    )]
    TooLarge,
    /// Not a valid file of its kind (PDF, DOCX, UTF-8 text).
    #[error(
        "The file is not a readable {0}. Export it again as a PDF with text, or paste the text."
    )]
    Corrupt(String),
    /// The reader broke on it (a panic, or it ran out of memory).
    #[error(
        "The document could not be read safely. Export it again as a PDF with text, or paste the text."
    )]
    Crashed,
    /// The reader did not finish in time.
    #[error(
        "Reading the document took too long. Export it again as a PDF with text, or paste the text."
    )]
    TimedOut,
}

/// Why an upload was refused before any reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not a type we read (415).
    Unsupported(String),
    /// The right type by name, but not by content (422).
    Unreadable(Failure),
}

/// The format of an upload, from its content first and its name second.
pub fn detect(file_name: Option<&str>, bytes: &[u8]) -> Result<ResumeFormat, Refusal> {
    let ext = file_name
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if bytes.starts_with(b"%PDF-") {
        return Ok(ResumeFormat::Pdf);
    }
    let zip = bytes.starts_with(b"PK\x03\x04");
    let ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    match ext.as_str() {
        "docx" if zip || ole => Ok(ResumeFormat::Docx),
        "pdf" => Err(Refusal::Unreadable(Failure::Corrupt("PDF".into()))),
        "docx" => Err(Refusal::Unreadable(Failure::Corrupt("DOCX".into()))),
        "txt" | "text" | "md" | "markdown" | "" if !zip && !ole && !is_binary(bytes) => {
            Ok(if matches!(ext.as_str(), "md" | "markdown") {
                ResumeFormat::Markdown
            } else {
                ResumeFormat::Txt
            })
        }
        "txt" | "text" | "md" | "markdown" => Err(Refusal::Unreadable(Failure::Garbled)),
        "doc" => Err(Refusal::Unsupported(
            "Old Word (.doc) files are not supported: save it as .docx or PDF.".into(),
        )),
        other => Err(Refusal::Unsupported(format!(
            "'.{other}' files are not supported: upload a PDF, DOCX, TXT or Markdown file."
        ))),
    }
}

/// Whether bytes are binary rather than text (NULs, or known image and
/// archive signatures).
fn is_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8_192)];
    let utf16 = head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]);
    (!utf16 && head.contains(&0))
        || [
            &b"\x89PNG"[..],
            b"\xFF\xD8\xFF",
            b"GIF8",
            b"\x1F\x8B",
            b"Rar!",
            b"7z\xBC\xAF",
        ]
        .iter()
        .any(|sig| head.starts_with(sig))
}

/// Decodes a text file: UTF-8 (with or without a byte-order mark) or UTF-16
/// with one.
pub fn decode_text(bytes: &[u8]) -> Result<String, Failure> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8(rest.to_vec()).map_err(|_| Failure::Garbled);
    }
    let utf16 = |le: bool, rest: &[u8]| -> Result<String, Failure> {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|p| {
                if le {
                    u16::from_le_bytes([p[0], p[1]])
                } else {
                    u16::from_be_bytes([p[0], p[1]])
                }
            })
            .collect();
        String::from_utf16(&units).map_err(|_| Failure::Garbled)
    };
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(true, rest);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(false, rest);
    }
    String::from_utf8(bytes.to_vec()).map_err(|_| Failure::Corrupt("UTF-8 text file".into()))
}

/// Reads a document of a known format. Parses untrusted input: run it in
/// the sandbox for PDF and DOCX.
pub fn extract(format: ResumeFormat, bytes: &[u8]) -> Result<Extracted, Failure> {
    let mut warnings = Vec::new();
    let raw = match format {
        ResumeFormat::Pdf => {
            let pages = pdf::pages(bytes)?;
            if pages.iter().all(|p| p.trim().is_empty()) {
                return Err(if pages.is_empty() {
                    Failure::Empty
                } else {
                    Failure::ImageOnly
                });
            }
            let (text, dropped) = pdf::join_pages(&pages);
            let text = text::join_wrapped_lines(&text::clean(&text));
            if dropped {
                warnings.push("A header or footer repeated on every page was kept once.".into());
            }
            if pages.iter().any(|p| p.trim().is_empty()) {
                warnings.push(
                    "Some pages have no text (images or scans); their content is missing.".into(),
                );
            }
            text
        }
        ResumeFormat::Docx => docx::text(bytes)?,
        ResumeFormat::Txt
        | ResumeFormat::Markdown
        | ResumeFormat::Pasted
        | ResumeFormat::JsonResume => decode_text(bytes)?,
    };
    finish(&raw, warnings)
}

/// Cleans text and checks that it is a readable resume.
pub fn finish(raw: &str, mut warnings: Vec<String>) -> Result<Extracted, Failure> {
    let mut text = text::clean(raw);
    if text.is_empty() {
        return Err(Failure::Empty);
    }
    if text::looks_garbled(&text) {
        return Err(Failure::Garbled);
    }
    if text.chars().count() > RESUME_TEXT_MAX_CHARS {
        let end = text
            .char_indices()
            .nth(RESUME_TEXT_MAX_CHARS)
            .map_or(text.len(), |(i, _)| i);
        text.truncate(end);
        warnings.push(format!(
            "The text was cut to its first {RESUME_TEXT_MAX_CHARS} characters."
        ));
    }
    let words = text::word_count(&text);
    if words < MIN_WORDS {
        warnings.push(format!(
            "Only {words} words were found; check that nothing is missing."
        ));
    }
    Ok(Extracted { text, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_by_content_then_name() {
        assert_eq!(
            detect(Some("cv.pdf"), b"%PDF-1.7 ..."),
            Ok(ResumeFormat::Pdf)
        );
        assert_eq!(detect(Some("resume"), b"%PDF-1.4"), Ok(ResumeFormat::Pdf));
        assert_eq!(
            detect(Some("cv.docx"), b"PK\x03\x04...."),
            Ok(ResumeFormat::Docx)
        );
        assert_eq!(detect(Some("cv.md"), b"# Jane"), Ok(ResumeFormat::Markdown));
        assert_eq!(detect(Some("cv.txt"), b"Jane"), Ok(ResumeFormat::Txt));
        assert!(matches!(
            detect(Some("cv.pdf"), b"\x01\x02random"),
            Err(Refusal::Unreadable(_))
        ));
        assert!(matches!(
            detect(Some("cv.png"), b"\x89PNG...."),
            Err(Refusal::Unsupported(_))
        ));
        assert!(matches!(
            detect(Some("cv.zip"), b"PK\x03\x04"),
            Err(Refusal::Unsupported(_))
        ));
        assert!(matches!(
            detect(Some("cv.txt"), b"\x89PNG\0\0"),
            Err(Refusal::Unreadable(_))
        ));
    }

    #[test]
    fn text_files_decode_from_utf8_and_utf16() {
        assert_eq!(
            decode_text("\u{FEFF}José".as_bytes()).as_deref(),
            Ok("José")
        );
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("Zoë".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode_text(&utf16).as_deref(), Ok("Zoë"));
        assert!(decode_text(&[0xC3, 0x28]).is_err());
    }

    #[test]
    fn empty_and_garbled_text_is_refused_and_short_text_warned() {
        assert_eq!(finish(" \n\t ", vec![]), Err(Failure::Empty));
        assert_eq!(
            finish("\u{E000}\u{E001}\u{E002} \u{E003}", vec![]),
            Err(Failure::Garbled)
        );
        let short = finish("Jane Doe, engineer", vec![]).expect("readable");
        assert_eq!(short.warnings.len(), 1);
    }
}
