//! A document rendered for people and applicant tracking systems: JSON
//! Resume, plain text, Markdown, DOCX and PDF, in two templates. Every format
//! writes the same blocks ([`layout`]) in the same order, so a format reads
//! back as the others do.

pub mod docx;
pub mod layout;
pub mod pdf;
pub mod text;

use shared_types::resume_document::ResumeDocument;

use layout::Block;

/// A file format a document is rendered to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The JSON Resume document itself.
    Json,
    /// Plain text.
    Txt,
    /// Markdown.
    Markdown,
    /// Word.
    Docx,
    /// PDF, set by Typst.
    Pdf,
    /// The PDF's first page as an SVG image: a preview.
    Svg,
}

impl Format {
    /// Its media type.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Txt => "text/plain; charset=utf-8",
            Format::Markdown => "text/markdown; charset=utf-8",
            Format::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            Format::Pdf => "application/pdf",
            Format::Svg => "image/svg+xml",
        }
    }

    /// Its file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Txt => "txt",
            Format::Markdown => "md",
            Format::Docx => "docx",
            Format::Pdf => "pdf",
            Format::Svg => "svg",
        }
    }
}

/// A look for the rendered files (DOCX and PDF; text has one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Template {
    /// Plain and safe for every applicant tracking system: standard
    /// headings, one column, dates on their own line.
    #[default]
    Classic,
    /// A designed look: a serif face, an accent colour, a rule under each
    /// heading and dates at the right of each entry's title; still one
    /// column of real text.
    Modern,
}

/// The text a block holds.
pub fn text_of(block: &Block) -> &str {
    match block {
        Block::Name(t)
        | Block::Line(t)
        | Block::Title(t)
        | Block::Dates(t)
        | Block::Paragraph(t)
        | Block::Bullet(t) => t,
        Block::Heading(t) => t,
    }
}

/// The resume's plain text, as the structure gives it.
pub fn plain_text(doc: &ResumeDocument) -> String {
    text::plain(&layout::blocks(doc))
}

/// `doc` as a file in `format`.
pub fn render(doc: &ResumeDocument, format: Format, template: Template) -> Result<Vec<u8>, String> {
    let blocks = || layout::blocks(doc);
    match format {
        Format::Json => serde_json::to_vec_pretty(doc).map_err(|e| e.to_string()),
        Format::Txt => Ok(text::plain(&blocks()).into_bytes()),
        Format::Markdown => Ok(text::markdown(&blocks()).into_bytes()),
        Format::Docx => docx::write(&blocks(), template),
        Format::Pdf => pdf::write(&blocks(), template),
        Format::Svg => pdf::preview(&blocks(), template),
    }
}

#[cfg(test)]
mod tests;
