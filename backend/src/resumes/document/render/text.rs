//! Plain text and Markdown. The plain text is also the resume's stored text
//! once the user edits the structure: what asks quote and skills come from.

use super::layout::Block;

/// Plain text: headings on their own line, bullets as "• ", a blank line
/// before each section and entry.
pub fn plain(blocks: &[Block]) -> String {
    let mut out = String::new();
    for block in blocks {
        match block {
            Block::Heading(_) | Block::Title(_) if !out.is_empty() => out.push('\n'),
            _ => {}
        }
        match block {
            Block::Name(text)
            | Block::Line(text)
            | Block::Title(text)
            | Block::Dates(text)
            | Block::Paragraph(text) => out.push_str(text),
            Block::Heading(text) => out.push_str(text),
            Block::Bullet(text) => {
                out.push_str("• ");
                out.push_str(text);
            }
        }
        out.push('\n');
    }
    out
}

/// Markdown special characters in running text, escaped, and a leading
/// mark that would start a list or a heading.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1);
    if text.starts_with(['-', '+']) {
        out.push('\\');
    }
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Markdown: the name as the title, sections as `##`, entries as `###`.
pub fn markdown(blocks: &[Block]) -> String {
    let mut out = String::new();
    for block in blocks {
        let line = match block {
            Block::Name(text) => format!("# {}\n", escape(text)),
            Block::Line(text) | Block::Paragraph(text) => format!("{}\n", escape(text)),
            Block::Heading(text) => format!("\n## {text}\n"),
            Block::Title(text) => format!("\n### {}\n", escape(text)),
            Block::Dates(text) => format!("*{}*\n", escape(text)),
            Block::Bullet(text) => format!("- {}\n", escape(text)),
        };
        // A paragraph or line after another stays its own paragraph.
        if matches!(
            block,
            Block::Line(_) | Block::Paragraph(_) | Block::Dates(_)
        ) && !out.is_empty()
            && !out.ends_with("\n\n")
        {
            out.push('\n');
        }
        out.push_str(&line);
    }
    out
}
