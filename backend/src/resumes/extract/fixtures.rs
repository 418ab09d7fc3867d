//! The extractor on Chinese, Japanese and Korean resumes made by other
//! tools: XeLaTeX (xeCJK with Noto CJK, which writes ToUnicode maps; ctex
//! with its Fandol fonts and xeCJK with Harano Aji, which write none) and
//! LibreOffice (a Word document and its PDF export). Each language's `.txt`
//! in `tests/fixtures/resumes/cjk/` is the resume as written, from which
//! `make-fixtures.sh` made the others: the words expected back.

use std::path::PathBuf;

use shared_types::ResumeFormat;

use super::extract;
use super::recall::recall;

const FILES: &[&str] = &[
    "zh-xelatex.pdf",
    "zh-ctex.pdf",
    "zh-word.docx",
    "zh-word.pdf",
    "ja-xelatex.pdf",
    "ja-haranoaji.pdf",
    "ja-word.docx",
    "ja-word.pdf",
    "ko-xelatex.pdf",
    "ko-word.docx",
    "ko-word.pdf",
];

#[test]
fn cjk_resumes_from_other_tools_read_back_in_order() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/resumes/cjk");
    let mut short = Vec::new();
    for file in FILES {
        let language = &file[..2];
        let written = std::fs::read_to_string(dir.join(format!("{language}.txt"))).expect("source");
        let expected: String = written
            .lines()
            .map(|line| line.trim_start_matches(['#', '-', ' ']))
            .collect::<Vec<_>>()
            .join("\n");
        let format = if file.ends_with(".pdf") {
            ResumeFormat::Pdf
        } else {
            ResumeFormat::Docx
        };
        let bytes = std::fs::read(dir.join(file)).expect("fixture");
        let text = extract(format, &bytes).expect("readable").text;
        let recall = recall(&expected, &text);
        println!("{file}: recall {recall:.4}");
        if recall < 0.99 {
            short.push(format!("{file}: {recall:.4}\n{text}"));
        }
    }
    assert!(short.is_empty(), "below 0.99:\n{}", short.join("\n\n"));
}
