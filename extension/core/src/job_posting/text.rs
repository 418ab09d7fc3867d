//! Turning posting HTML into plain text: paragraphs, headings and list items
//! become lines; list items start with "- "; runs of spaces collapse.

use scraper::{ElementRef, Html, Node};

/// One line of text with its whitespace collapsed.
pub fn clean_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The plain text of an element, block by block.
pub fn element_text(element: ElementRef<'_>) -> String {
    let mut lines = Vec::new();
    let mut current = String::new();
    walk(element, &mut lines, &mut current);
    flush(&mut lines, &mut current);
    lines.join("\n")
}

/// The plain text of an HTML fragment (JSON-LD descriptions are often HTML,
/// sometimes escaped once more).
pub fn fragment_text(html: &str) -> String {
    let fragment = Html::parse_fragment(html);
    let text = element_text(fragment.root_element());
    if text.contains('<') && text.contains('>') {
        let again = Html::parse_fragment(&text);
        return element_text(again.root_element());
    }
    text
}

const BLOCKS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "br",
    "tr",
    "table",
    "header",
    "footer",
    "blockquote",
    "pre",
    "dd",
    "dt",
];

fn walk(element: ElementRef<'_>, lines: &mut Vec<String>, current: &mut String) {
    for child in element.children() {
        match child.value() {
            Node::Text(text) => {
                current.push_str(text);
                current.push(' ');
            }
            Node::Element(e) => {
                let name = e.name();
                if matches!(
                    name,
                    "script" | "style" | "noscript" | "template" | "button"
                ) {
                    continue;
                }
                let block = BLOCKS.contains(&name);
                if block {
                    flush(lines, current);
                }
                if name == "li" {
                    current.push_str("- ");
                }
                if let Some(child) = ElementRef::wrap(child) {
                    walk(child, lines, current);
                }
                if block {
                    flush(lines, current);
                }
            }
            _ => {}
        }
    }
}

fn flush(lines: &mut Vec<String>, current: &mut String) {
    let line = clean_line(current);
    current.clear();
    if !line.is_empty() && line != "-" {
        lines.push(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_and_list_items_become_lines() {
        let text = fragment_text(
            "<p>We build <b>tools</b>.</p><ul><li>Rust</li><li>  SQL\n and   Redis </li></ul><br>Apply<script>x()</script>",
        );
        assert_eq!(text, "We build tools .\n- Rust\n- SQL and Redis\nApply");
    }

    #[test]
    fn escaped_html_is_unescaped_once_more() {
        let text = fragment_text("&lt;p&gt;First&lt;/p&gt;&lt;p&gt;Second&lt;/p&gt;");
        assert_eq!(text, "First\nSecond");
    }
}
