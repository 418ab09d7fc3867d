//! Text from DOCX files: the zip crate opens the package, quick-xml reads
//! WordprocessingML.
//!
//! A DOCX is a zip of XML parts. The text is in `word/document.xml`, with
//! the page headers and footers in `word/header*.xml` and `word/footer*.xml`
//! (a resume's name and contact line often sit in the header). The reader
//! keeps what a person sees: runs of text (`w:t`), tabs and breaks as
//! spaces and newlines, one line per paragraph, list paragraphs as bullets,
//! table rows as lines with ` | ` between cells, and text boxes once (Word
//! stores each text box twice, the second time as a VML fallback inside
//! `mc:Fallback`, which is skipped). Deleted text and field codes are left
//! out. Each part is read through a size cap, whatever the zip claims, so a
//! zip bomb cannot make it inflate more than [`MAX_PART_BYTES`].

use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::Event;

use super::Failure;

/// The most bytes one XML part may inflate to.
pub const MAX_PART_BYTES: u64 = 16 * 1024 * 1024;

/// The visible text of a DOCX file.
pub fn text(bytes: &[u8]) -> Result<String, Failure> {
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        // An OLE container: a password-protected DOCX, or a legacy .doc.
        return Err(Failure::Encrypted);
    }
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| Failure::Corrupt("DOCX".into()))?;
    let mut names: Vec<String> = zip
        .file_names()
        .filter_map(Result::ok)
        .map(|n| n.into_owned())
        .collect();
    names.sort();
    if !names.iter().any(|n| n == "word/document.xml") {
        return Err(Failure::Corrupt("DOCX".into()));
    }
    let part = |zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str| -> Result<String, Failure> {
        let entry = zip
            .by_name(name)
            .map_err(|_| Failure::Corrupt("DOCX".into()))?;
        let mut xml = Vec::new();
        entry
            .take(MAX_PART_BYTES + 1)
            .read_to_end(&mut xml)
            .map_err(|_| Failure::Corrupt("DOCX".into()))?;
        if xml.len() as u64 > MAX_PART_BYTES {
            return Err(Failure::TooLarge);
        }
        paragraphs(&String::from_utf8_lossy(&xml))
    };
    let mut out = Vec::new();
    let mut seen = Vec::new();
    let part_of = |prefix: &str| -> Vec<String> {
        names
            .iter()
            .filter(|n| n.starts_with(prefix) && n.ends_with(".xml"))
            .cloned()
            .collect()
    };
    let order = [
        part_of("word/header"),
        vec!["word/document.xml".to_string()],
        part_of("word/footer"),
    ];
    for name in order.iter().flatten() {
        let text = part(&mut zip, name)?;
        let key = text.trim().to_string();
        if !key.is_empty() && !seen.contains(&key) {
            seen.push(key);
            out.push(text);
        }
    }
    Ok(out.join("\n"))
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// The text of one WordprocessingML part.
fn paragraphs(xml: &str) -> Result<String, Failure> {
    let mut reader = Reader::from_str(xml);
    let mut out = String::new();
    let (mut in_text, mut in_run, mut cells, mut skip) = (false, 0u32, 0u32, 0u32);
    loop {
        let event = reader
            .read_event()
            .map_err(|_| Failure::Corrupt("DOCX".into()))?;
        match &event {
            // Inside mc:Fallback: only count nested fallbacks.
            Event::Start(e) if skip > 0 && local(e.name().as_ref()) == "Fallback" => skip += 1,
            Event::End(e) if skip > 0 && local(e.name().as_ref()) == "Fallback" => skip -= 1,
            _ if skip > 0 => {}
            Event::Start(e) => match local(e.name().as_ref()) {
                "Fallback" => skip = 1,
                "t" => in_text = true,
                "r" => in_run += 1,
                "tc" => cells += 1,
                "txbxContent" => out.push('\n'),
                "numPr" => out.push_str("• "),
                _ => {}
            },
            Event::Empty(e) => match local(e.name().as_ref()) {
                "tab" if in_run > 0 => out.push('\t'),
                "br" | "cr" if in_run > 0 => out.push(if cells > 0 { ' ' } else { '\n' }),
                "noBreakHyphen" => out.push('-'),
                "numPr" => out.push_str("• "),
                _ => {}
            },
            Event::End(e) => match local(e.name().as_ref()) {
                "t" => in_text = false,
                "r" => in_run = in_run.saturating_sub(1),
                "p" => out.push(if cells > 0 { ' ' } else { '\n' }),
                "tc" => {
                    cells = cells.saturating_sub(1);
                    out.push_str(" | ");
                }
                "tr" => {
                    while out.ends_with(' ') || out.ends_with('|') {
                        out.pop();
                    }
                    out.push('\n');
                }
                "txbxContent" => out.push('\n'),
                _ => {}
            },
            Event::Text(t) if in_text => out.push_str(&t.xml10_content()),
            Event::CData(t) if in_text => out.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if in_text => {
                let c = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    _ => match r.as_ref() {
                        "amp" => Some('&'),
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        _ => None,
                    },
                };
                out.extend(c);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_tabs_tables_lists_and_text_boxes_come_out_as_seen() {
        let xml = r#"<w:document xmlns:w="w" xmlns:mc="mc"><w:body>
            <w:p><w:pPr><w:tabs><w:tab w:val="left"/></w:tabs></w:pPr><w:r><w:t>Jos&#233;</w:t><w:tab/><w:t>Núñez</w:t></w:r></w:p>
            <w:p><w:pPr><w:numPr><w:ilvl w:val="0"/></w:numPr></w:pPr><w:r><w:t xml:space="preserve">Built </w:t></w:r><w:r><w:t>APIs &amp; tools</w:t><w:br/><w:t>in Rust</w:t></w:r></w:p>
            <w:tbl><w:tr><w:tc><w:p><w:r><w:t>Skills</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Go</w:t></w:r></w:p><w:p><w:r><w:t>SQL</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
            <w:p><w:r><mc:AlternateContent><mc:Choice><w:txbxContent><w:p><w:r><w:t>Boxed</w:t></w:r></w:p></w:txbxContent></mc:Choice><mc:Fallback><w:txbxContent><w:p><w:r><w:t>Boxed</w:t></w:r></w:p></w:txbxContent></mc:Fallback></mc:AlternateContent></w:r></w:p>
            <w:p><w:r><w:delText>gone</w:delText><w:instrText>HYPERLINK</w:instrText></w:r></w:p>
        </w:body></w:document>"#;
        let text = super::super::text::clean(&paragraphs(xml).expect("reads"));
        assert_eq!(
            text,
            "José Núñez\n• Built APIs & tools\nin Rust\nSkills | Go SQL\n\nBoxed"
        );
    }

    #[test]
    fn random_bytes_are_not_a_document() {
        assert!(matches!(
            text(b"PK\x03\x04 not really a zip"),
            Err(Failure::Corrupt(_))
        ));
        assert!(matches!(
            text(&[0xD0, 0xCF, 0x11, 0xE0, 0, 0]),
            Err(Failure::Encrypted)
        ));
    }
}
