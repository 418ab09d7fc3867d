//! Renders an answer's markdown to HTML that is safe to insert into the page:
//! paragraphs, headings, lists, code blocks, tables, emphasis and links.
//!
//! Nothing in the answer becomes markup of its own: raw HTML is shown as
//! text, links keep only `http`, `https` and `mailto` targets (and open in a
//! new tab without access to the opener), and images show their alt text,
//! so an answer can neither run script nor load a tracking pixel.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

/// The HTML for `markdown`.
pub fn render(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    // For each open link: whether it became an <a> (else a <span>).
    let mut links: Vec<bool> = Vec::new();
    let events = Parser::new_ext(markdown, options).filter_map(|event| match event {
        // Raw HTML from the answer is text, never markup.
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::Start(Tag::Link { dest_url, .. }) => {
            let safe = safe_url(&dest_url);
            links.push(safe);
            Some(Event::InlineHtml(CowStr::from(if safe {
                format!(
                    "<a href=\"{}\" target=\"_blank\" rel=\"noopener noreferrer\">",
                    escape(&dest_url)
                )
            } else {
                "<span>".to_string()
            })))
        }
        Event::End(TagEnd::Link) => Some(Event::InlineHtml(CowStr::from(
            if links.pop().unwrap_or(false) {
                "</a>"
            } else {
                "</span>"
            },
        ))),
        // An image shows only its alt text, which arrives as Text events.
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        other => Some(other),
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    ["https://", "http://", "mailto:"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
}

/// `value` with the characters that mean something in HTML escaped, for
/// text and attribute values alike.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn paragraphs_lists_and_code_blocks_render() {
        let html =
            render("Hello **you**.\n\n- one\n- two\n\n```rust\nfn main() {}\n```\n\nUse `cargo`.");
        assert_eq!(
            html,
            "<p>Hello <strong>you</strong>.</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n\
             <pre><code class=\"language-rust\">fn main() {}\n</code></pre>\n<p>Use <code>cargo</code>.</p>\n"
        );
    }

    #[test]
    fn raw_html_is_shown_as_text_never_run() {
        let html = render(
            "<script>alert(1)</script>\n\nHi <img src=x onerror=alert(1)> there <b>bold</b>",
        );
        assert!(
            !html.contains("<script") && !html.contains("<img") && !html.contains("<b>"),
            "{html}"
        );
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{html}"
        );
    }

    #[test]
    fn code_keeps_angle_brackets_as_text() {
        assert_eq!(
            render("```\n<b>x</b>\n```"),
            "<pre><code>&lt;b&gt;x&lt;/b&gt;\n</code></pre>\n"
        );
    }

    #[test]
    fn only_web_and_mail_links_become_links_and_they_open_safely() {
        assert_eq!(
            render("[docs](https://example.com/a?b=1&c=\"2\")"),
            "<p><a href=\"https://example.com/a?b=1&amp;c=&quot;2&quot;\" target=\"_blank\" rel=\"noopener noreferrer\">docs</a></p>\n"
        );
        for evil in [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](data:text/html,<script>)",
            "[x](vbscript:x)",
        ] {
            let html = render(evil);
            assert_eq!(html, "<p><span>x</span></p>\n", "{evil} gave {html}");
        }
    }

    #[test]
    fn images_show_their_alt_text_and_load_nothing() {
        let html = render("![a chart](https://tracker.example/pixel.png)");
        assert_eq!(html, "<p>a chart</p>\n");
    }

    #[test]
    fn a_half_streamed_answer_still_renders() {
        assert!(render("Here is a list:\n\n- first\n- sec").ends_with("<li>sec</li>\n</ul>\n"));
        assert_eq!(
            render("```python\nprint("),
            "<pre><code class=\"language-python\">print(</code></pre>\n"
        );
    }
}
