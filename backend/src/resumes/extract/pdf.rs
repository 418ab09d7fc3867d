//! Text from PDF files, with pdf-extract (pure Rust, over lopdf).
//!
//! pdf-extract reads glyphs in content-stream order and maps them to
//! Unicode through the fonts' ToUnicode maps and encodings; line breaks and
//! spaces come from the glyphs' positions, placed by this module's own
//! device ([`Lines`], which mends pdf-extract's for PDFs that flip the y
//! axis, as Typst's do). What pdf-extract does not do, this module also
//! does: it refuses encrypted and over-long documents before parsing their
//! pages, and it drops running headers and footers (a line that starts or
//! ends most pages, page numbers aside) after their first appearance.
//! CID fonts that carry no ToUnicode map but name one of Adobe's Chinese,
//! Japanese or Korean collections get one first ([`cid_fonts`]).
//! Known weak spots (its issue tracker): columns in unusual content order
//! come out interleaved; other fonts without ToUnicode maps give garbage
//! (the garbage check upstream turns that into a clear 422); and CID fonts
//! in a predefined encoding other than Identity (`GBK-EUC-H`,
//! `UniGB-UCS2-H`) make pdf-extract panic, which the sandbox reports as an
//! unreadable document.

mod cid_fonts;

use std::collections::HashMap;

use pdf_extract::{Document, MediaBox, OutputDev, OutputError, Transform, output_doc_page};

use super::Failure;

/// More pages than any resume has.
pub const MAX_PAGES: usize = 30;

/// The text of each page.
pub fn pages(bytes: &[u8]) -> Result<Vec<String>, Failure> {
    let mut doc = Document::load_mem(bytes).map_err(|e| {
        if e.to_string().to_lowercase().contains("decrypt") {
            Failure::Encrypted
        } else {
            Failure::Corrupt("PDF".into())
        }
    })?;
    if doc.is_encrypted() && doc.decrypt("").is_err() {
        return Err(Failure::Encrypted);
    }
    cid_fonts::mend(&mut doc);
    let numbers: Vec<u32> = doc.get_pages().keys().copied().collect();
    if numbers.len() > MAX_PAGES {
        return Err(Failure::TooManyPages(numbers.len()));
    }
    let mut pages = Vec::with_capacity(numbers.len());
    for number in numbers {
        let mut output = Lines::default();
        output_doc_page(&doc, &mut output, number).map_err(|_| Failure::Corrupt("PDF".into()))?;
        pages.push(output.text);
    }
    Ok(pages)
}

/// pdf-extract's plain-text device, with its line test mended. Its own
/// takes the glyphs' size from the text matrix as `sqrt(x * y)` of a scaled
/// vector, which is not a number when the matrix flips the y axis (as
/// Typst's PDFs do), and tests for a new line or a space only where a text
/// run begins: lines and words then run together ("Nakamura" and "Staff"
/// as "nakamurastaff"). Here the size is the matrix's scale, and every
/// glyph half a line off the last one starts a line, and one past the last
/// one's end by a tenth of its size starts a word.
#[derive(Default)]
struct Lines {
    text: String,
    last_end: f64,
    last_y: f64,
    started: bool,
}

impl OutputDev for Lines {
    fn begin_page(
        &mut self,
        _page: u32,
        _media_box: &MediaBox,
        _art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        self.started = false;
        Ok(())
    }

    fn end_page(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        _spacing: f64,
        font_size: f64,
        char: &str,
    ) -> Result<(), OutputError> {
        let scale = (trm.m11 * trm.m22 - trm.m12 * trm.m21).abs().sqrt();
        let size = font_size * scale;
        let (x, y) = (trm.m31, trm.m32);
        if self.started {
            if (y - self.last_y).abs() > size * 0.5 {
                self.text.push('\n');
            } else if x > self.last_end + size * 0.1 {
                self.text.push(' ');
            }
        }
        self.text.push_str(char);
        self.started = true;
        self.last_y = y;
        self.last_end = x + width * size;
        Ok(())
    }

    fn begin_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_line(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
}

/// Joins pages, keeping a running header or footer only where it first
/// appears. Returns the text and whether anything was dropped.
pub fn join_pages(pages: &[String]) -> (String, bool) {
    const EDGE: usize = 3;
    let shape = |line: &str| -> String {
        line.trim()
            .chars()
            .map(|c| if c.is_ascii_digit() { '#' } else { c })
            .collect()
    };
    let edges = |page: &str| -> Vec<String> {
        let lines: Vec<&str> = page.lines().filter(|l| !l.trim().is_empty()).collect();
        let mut picked: Vec<&str> = lines.iter().take(EDGE).copied().collect();
        picked.extend(lines.iter().rev().take(EDGE));
        let mut shapes: Vec<String> = picked.into_iter().map(shape).collect();
        shapes.sort();
        shapes.dedup();
        shapes
    };
    let mut counts: HashMap<String, usize> = HashMap::new();
    for page in pages {
        for s in edges(page) {
            *counts.entry(s).or_default() += 1;
        }
    }
    let running = |s: &str| {
        pages.len() >= 2 && counts.get(s).copied().unwrap_or(0) * 2 > pages.len() && counts[s] >= 2
    };
    let mut seen: Vec<String> = Vec::new();
    let mut dropped = false;
    let mut out = String::new();
    for page in pages {
        let page_edges = edges(page);
        for line in page.lines() {
            let s = shape(line);
            if !s.is_empty() && running(&s) && page_edges.contains(&s) {
                if seen.contains(&s) {
                    dropped = true;
                    continue;
                }
                seen.push(s);
            }
            out.push_str(line);
            out.push('\n');
        }
        out.push('\n');
    }
    (out, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_headers_and_footers_are_kept_once() {
        let pages = vec![
            "Jane Doe — Resume\nExperience\nRust at Acme\nPage 1 of 2\n".to_string(),
            "Jane Doe — Resume\nEducation\nBSc\nPage 2 of 2\n".to_string(),
        ];
        let (text, dropped) = join_pages(&pages);
        assert!(dropped);
        assert_eq!(text.matches("Jane Doe — Resume").count(), 1);
        assert_eq!(text.matches("Page").count(), 1);
        assert!(text.contains("Rust at Acme") && text.contains("BSc"));
    }

    #[test]
    fn a_single_page_keeps_everything() {
        let (text, dropped) = join_pages(&["A\nB\n".to_string()]);
        assert!(!dropped);
        assert!(text.starts_with("A\nB"));
    }
}
