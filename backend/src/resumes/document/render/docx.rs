//! DOCX through `docx-rs`: one column of real paragraphs in reading order,
//! headings as Word's own heading styles and highlights as a real bulleted
//! list, so that applicant tracking systems read it as written. No tables,
//! text boxes or images.

use docx_rs::{
    AbstractNumbering, AlignmentType, BorderType, Docx, IndentLevel, Level, LevelJc, LevelText,
    LineSpacing, NumberFormat, Numbering, NumberingId, Paragraph, ParagraphBorder,
    ParagraphBorderPosition, ParagraphBorders, Run, RunFonts, SpecialIndentType, Start, Style,
    StyleType, Tab, TabValueType,
};

use super::Template;
use super::layout::Block;

/// The bullet list's numbering id.
const BULLETS: usize = 1;
/// A page's text width in twentieths of a point (A4 less 2 cm margins).
const TEXT_WIDTH: i32 = 9638;

/// The look of a template: fonts, sizes (half-points) and colours.
struct Look {
    font: &'static str,
    body: usize,
    name: usize,
    heading: usize,
    accent: &'static str,
    /// A rule under each heading, and dates at the right of the title.
    designed: bool,
}

fn look(template: Template) -> Look {
    match template {
        Template::Classic => Look {
            font: "Calibri",
            body: 21,
            name: 32,
            heading: 24,
            accent: "000000",
            designed: false,
        },
        Template::Modern => Look {
            font: "Georgia",
            body: 20,
            name: 40,
            heading: 22,
            accent: "1F4E79",
            designed: true,
        },
    }
}

/// The font Word should use for East Asian text, by the script the
/// document is written in (Hangul, kana, or Chinese characters).
fn east_asian_font(blocks: &[Block]) -> &'static str {
    let text = blocks.iter().map(super::text_of);
    let (mut hangul, mut kana) = (false, false);
    for c in text.flat_map(str::chars) {
        match c {
            '\u{ac00}'..='\u{d7af}' | '\u{1100}'..='\u{11ff}' => hangul = true,
            '\u{3040}'..='\u{30ff}' => kana = true,
            _ => {}
        }
    }
    if hangul {
        "Malgun Gothic"
    } else if kana {
        "Yu Gothic"
    } else {
        "Microsoft YaHei"
    }
}

fn run(text: &str) -> Run {
    Run::new().add_text(text)
}

/// The blocks as a DOCX file.
pub fn write(blocks: &[Block], template: Template) -> Result<Vec<u8>, String> {
    let look = look(template);
    let fonts = RunFonts::new()
        .ascii(look.font)
        .hi_ansi(look.font)
        .cs(look.font)
        .east_asia(east_asian_font(blocks));
    let heading = Style::new("Heading1", StyleType::Paragraph)
        .name("heading 1")
        .outline_lvl(0)
        .bold()
        .size(look.heading)
        .color(look.accent);
    let rule = ParagraphBorders::with_empty().set(
        ParagraphBorder::new(ParagraphBorderPosition::Bottom)
            .val(BorderType::Single)
            .size(6)
            .color(look.accent),
    );
    let mut docx = Docx::new()
        .default_fonts(fonts)
        .default_size(look.body)
        .add_style(heading)
        .add_style(
            Style::new("Title", StyleType::Paragraph)
                .name("Title")
                .bold()
                .size(look.name)
                .color(look.accent),
        )
        .add_abstract_numbering(
            AbstractNumbering::new(BULLETS).add_level(
                Level::new(
                    0,
                    Start::new(1),
                    NumberFormat::new("bullet"),
                    LevelText::new("•"),
                    LevelJc::new("left"),
                )
                .indent(
                    Some(360),
                    Some(SpecialIndentType::Hanging(240)),
                    None,
                    None,
                ),
            ),
        )
        .add_numbering(Numbering::new(BULLETS, BULLETS));
    let mut blocks = blocks.iter().peekable();
    while let Some(block) = blocks.next() {
        let paragraph = match block {
            Block::Name(text) => Paragraph::new().style("Title").add_run(run(text)),
            Block::Line(text) => Paragraph::new().add_run(run(text)),
            Block::Heading(text) => {
                let heading = Paragraph::new()
                    .style("Heading1")
                    .line_spacing(LineSpacing::new().before(240).after(80))
                    .add_run(run(text));
                if look.designed {
                    heading.set_borders(rule.clone())
                } else {
                    heading
                }
            }
            Block::Title(text) => {
                let title = Paragraph::new()
                    .line_spacing(LineSpacing::new().before(120))
                    .add_run(run(text).bold());
                // The designed template sets the dates on the title's line.
                match blocks.peek() {
                    Some(Block::Dates(dates)) if look.designed => {
                        blocks.next();
                        title
                            .add_tab(Tab::new().val(TabValueType::Right).pos(TEXT_WIDTH as usize))
                            .add_run(Run::new().add_tab().add_text(dates).color(look.accent))
                    }
                    _ => title,
                }
            }
            Block::Dates(text) => Paragraph::new().add_run(run(text).italic()),
            Block::Paragraph(text) => Paragraph::new().add_run(run(text)),
            Block::Bullet(text) => Paragraph::new()
                .numbering(NumberingId::new(BULLETS), IndentLevel::new(0))
                .add_run(run(text)),
        };
        docx = docx.add_paragraph(paragraph.align(AlignmentType::Left));
    }
    let mut out = std::io::Cursor::new(Vec::new());
    docx.build().pack(&mut out).map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}
