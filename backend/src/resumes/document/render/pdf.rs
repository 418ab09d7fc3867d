//! PDF through Typst, used as a library: no external process, no network,
//! no file but the template and the resume's data. The template is fixed
//! Typst source (`templates/*.typ`); the resume goes in as JSON data that
//! the template reads, so nothing a user writes is ever Typst markup.
//!
//! Fonts: those of `typst-assets` are in the binary (Libertinus Serif, New
//! Computer Modern: Latin, Greek, Cyrillic). Chinese, Japanese and Korean
//! need a CJK font on the host, read once from [`FONT_DIRS`] (the image and
//! the scripts install WenQuanYi Micro Hei; Noto CJK is used if present).

use std::path::Path;
use std::sync::LazyLock;

use serde_json::{Value, json};
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use super::Template;
use super::layout::Block;

/// Where CJK fonts are looked for, once.
pub const FONT_DIRS: &[&str] = &["/usr/share/fonts", "/usr/local/share/fonts"];

/// The families a resume is set in, in order of preference: the binary's
/// serif, then CJK families that may be on the host.
const FAMILIES: &[&str] = &[
    "Libertinus Serif",
    "New Computer Modern",
    "Noto Serif CJK SC",
    "Noto Sans CJK SC",
    "WenQuanYi Micro Hei",
];

const CLASSIC: &str = include_str!("templates/classic.typ");
const MODERN: &str = include_str!("templates/modern.typ");

/// The fonts: the binary's, and the host's CJK ones.
struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static FONTS: LazyLock<Fonts> = LazyLock::new(|| {
    let mut fonts: Vec<Font> = typst_assets::fonts()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
    for dir in FONT_DIRS {
        host_fonts(Path::new(dir), 0, &mut fonts);
    }
    Fonts {
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

/// How many CJK fonts the host gave (without one, Chinese, Japanese and
/// Korean text has no glyphs in a PDF).
pub fn cjk_fonts() -> usize {
    FONTS
        .fonts
        .iter()
        .filter(|font| FAMILIES[2..].contains(&font.info().family.as_str()))
        .count()
}

/// Adds the CJK fonts of [`FAMILIES`] found under `dir`.
fn host_fonts(dir: &Path, depth: u32, into: &mut Vec<Font>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() && depth < 4 {
            host_fonts(&path, depth + 1, into);
            continue;
        }
        let name = path.to_string_lossy().to_lowercase();
        // Only files whose names promise a CJK family are read.
        let cjk = name.contains("cjk") || name.contains("wqy") || name.contains("microhei");
        if !cjk || !(name.ends_with(".ttc") || name.ends_with(".otf") || name.ends_with(".ttf")) {
            continue;
        }
        let Ok(data) = std::fs::read(&path) else {
            continue;
        };
        into.extend(
            Font::iter(Bytes::new(data))
                .filter(|font| FAMILIES.contains(&font.info().family.as_str())),
        );
    }
}

/// Typst's standard library, built once.
static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

/// One resume to compile: the template, and the resume as data.
struct Job {
    main: Source,
    data: Bytes,
}

fn file_name(id: FileId) -> &'static str {
    id.get().vpath().get_without_slash()
}

impl World for Job {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotFound(file_name(id).into()))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        match file_name(id) {
            "resume.json" => Ok(self.data.clone()),
            name => Err(FileError::NotFound(name.into())),
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}

/// The blocks as the template reads them; in the modern template an
/// entry's dates go on its title's line.
fn data(blocks: &[Block], template: Template) -> Value {
    let mut out: Vec<Value> = Vec::with_capacity(blocks.len());
    let mut blocks = blocks.iter().peekable();
    while let Some(block) = blocks.next() {
        let (kind, text) = match block {
            Block::Name(t) => ("name", t.as_str()),
            Block::Line(t) => ("line", t.as_str()),
            Block::Heading(t) => ("heading", *t),
            Block::Title(t) => ("title", t.as_str()),
            Block::Dates(t) => ("dates", t.as_str()),
            Block::Paragraph(t) => ("paragraph", t.as_str()),
            Block::Bullet(t) => ("bullet", t.as_str()),
        };
        if let (Block::Title(_), Template::Modern, Some(Block::Dates(dates))) =
            (block, template, blocks.peek())
        {
            out.push(json!({"kind": "title_dates", "text": text, "dates": dates}));
            blocks.next();
            continue;
        }
        out.push(json!({"kind": kind, "text": text}));
    }
    let name = out
        .iter()
        .find(|b| b["kind"] == "name")
        .and_then(|b| b["text"].as_str())
        .unwrap_or("Resume")
        .to_string();
    json!({"title": name, "author": name, "fonts": FAMILIES, "blocks": out})
}

/// Typst memoizes its work in a process-wide cache that only grows unless
/// evicted: after each render, entries unused for this many renders go
/// (the templates' own work stays warm; each resume's does not).
const MEMO_RENDERS_KEPT: usize = 4;

/// The blocks as a PDF. Typst's memo cache is trimmed after every render,
/// whether it succeeded or not (as for [`preview`]).
pub fn write(blocks: &[Block], template: Template) -> Result<Vec<u8>, String> {
    let result = lay_out(blocks, template).and_then(|document| {
        typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default()).map_err(|errors| {
            let messages: Vec<String> = errors.iter().map(|e| e.message.to_string()).collect();
            format!("the PDF could not be written: {}", messages.join("; "))
        })
    });
    comemo::evict(MEMO_RENDERS_KEPT);
    result
}

/// The PDF's first page as an SVG image, laid out as [`write`] lays it out.
pub fn preview(blocks: &[Block], template: Template) -> Result<Vec<u8>, String> {
    let result = lay_out(blocks, template).and_then(|document| {
        let page = document.pages().first().ok_or("the document has no page")?;
        Ok(typst_svg::svg(page, &typst_svg::SvgOptions::default()).into_bytes())
    });
    comemo::evict(MEMO_RENDERS_KEPT);
    result
}

/// The blocks set in `template`'s pages.
fn lay_out(blocks: &[Block], template: Template) -> Result<typst_layout::PagedDocument, String> {
    let source = match template {
        Template::Classic => CLASSIC,
        Template::Modern => MODERN,
    };
    let main = VirtualPath::new("main.typ").map_err(|e| format!("{e:?}"))?;
    let job = Job {
        main: Source::new(
            RootedPath::new(VirtualRoot::Project, main).intern(),
            source.to_string(),
        ),
        data: Bytes::new(data(blocks, template).to_string().into_bytes()),
    };
    typst::compile(&job).output.map_err(|errors| {
        let messages: Vec<String> = errors.iter().map(|e| e.message.to_string()).collect();
        format!("the template did not compile: {}", messages.join("; "))
    })
}
