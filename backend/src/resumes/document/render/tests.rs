//! Every format, read back by the project's own extractor, gives the
//! document's words in order, and no word the document does not hold.

use serde_json::{Value, json};
use shared_types::ResumeFormat;
use shared_types::resume_document::ResumeDocument;

use super::layout::TEMPLATE_WORDS;
use super::{Format, Template, layout, plain_text, render, text};
use crate::resumes::document::parse::parse;
use crate::resumes::extract;
use crate::resumes::extract::recall::{in_order, words};

fn english() -> ResumeDocument {
    serde_json::from_value(json!({
        "basics": {
            "name": "Amélie Dufour-Nakamura",
            "label": "Staff Site Reliability Engineer",
            "email": "amelie@example.org",
            "phone": "+44 20 7946 0958",
            "url": "https://amelie.example.org",
            "location": {"city": "London", "countryCode": "GB"},
            "profiles": [{"network": "GitHub", "username": "amelie", "url": "https://github.com/amelie"}],
            "summary": "Engineer who keeps payment systems up. Eleven years of Linux, Go and PostgreSQL in production."
        },
        "work": [
            {"name": "Betalning AB", "position": "Staff Engineer", "startDate": "2021-01",
             "summary": "Led the platform team of six.",
             "highlights": ["Cut p99 latency of the ledger from 180 ms to 40 ms",
                            "Moved 40 services to Kubernetes with zero downtime"]},
            {"name": "Nordbank", "position": "Site Reliability Engineer", "startDate": "2016-03", "endDate": "2020-12",
             "highlights": ["Ran the on-call rotation for 120 engineers", "Wrote the incident review guide"]}
        ],
        "education": [{"institution": "University of Edinburgh", "studyType": "BSc", "area": "Computer Science",
                       "startDate": "2008", "endDate": "2012", "score": "First-class honours",
                       "courses": ["Distributed systems"]}],
        "projects": [{"name": "pgwatch-lite", "description": "A small PostgreSQL monitor.",
                      "highlights": ["Used by 300 teams"], "keywords": ["Go", "Prometheus"]}],
        "skills": [{"name": "Languages", "keywords": ["Go", "Rust", "SQL"]}, {"name": "Kubernetes", "level": "Expert"}],
        "certificates": [{"name": "Certified Kubernetes Administrator", "issuer": "CNCF", "date": "2022-05"}],
        "languages": [{"language": "English", "fluency": "Native"}, {"language": "French", "fluency": "C1"}],
        "awards": [{"title": "Engineer of the Year", "awarder": "Betalning AB", "date": "2023"}],
        "publications": [{"name": "Budgets for error", "publisher": "SREcon", "releaseDate": "2019-10"}],
        "volunteer": [{"name": "Code Club", "position": "Mentor", "startDate": "2014", "endDate": "2016",
                       "highlights": ["Taught Python to 30 children"]}]
    }))
    .expect("a resume")
}

fn german() -> ResumeDocument {
    serde_json::from_value(json!({
        "basics": {"name": "Jürgen Weiß", "label": "Softwareentwickler", "email": "juergen@example.de",
                   "summary": "Entwickler für Zahlungsverkehr mit Schwerpunkt Datenbanken."},
        "work": [{"name": "Sparkasse Köln", "position": "Leitender Entwickler", "startDate": "2019-04",
                  "highlights": ["Einführung von Kubernetes für 25 Dienste", "Größere Ausfälle um 60 % verringert"]}],
        "education": [{"institution": "Technische Universität München", "studyType": "Master",
                       "area": "Informatik", "startDate": "2012", "endDate": "2014"}],
        "skills": [{"name": "Programmiersprachen", "keywords": ["Java", "Kotlin", "Rust"]}],
        "languages": [{"language": "Deutsch", "fluency": "Muttersprache"}, {"language": "Englisch", "fluency": "C1"}]
    }))
    .expect("a resume")
}

fn chinese() -> ResumeDocument {
    serde_json::from_value(json!({
        "basics": {"name": "王小明", "label": "高级后端工程师", "email": "wang@example.cn",
                   "summary": "八年分布式系统开发经验，熟悉数据库与云原生技术。"},
        "work": [{"name": "北京支付科技有限公司", "position": "技术负责人", "startDate": "2020-07",
                  "highlights": ["负责交易系统架构设计，日处理订单三千万笔", "将服务迁移到 Kubernetes 集群"]}],
        "education": [{"institution": "清华大学", "studyType": "硕士", "area": "计算机科学", "startDate": "2013", "endDate": "2016"}],
        "skills": [{"name": "编程语言", "keywords": ["Go", "Java", "SQL"]}],
        "languages": [{"language": "中文", "fluency": "母语"}, {"language": "英语", "fluency": "流利"}]
    }))
    .expect("a resume")
}

fn japanese() -> ResumeDocument {
    serde_json::from_value(json!({
        "basics": {"name": "山田 花子", "label": "データエンジニア", "email": "hanako@example.jp",
                   "summary": "データ基盤の設計と運用に七年間携わってきました。"},
        "work": [{"name": "株式会社さくらデータ", "position": "シニアデータエンジニア", "startDate": "2021-04",
                  "highlights": ["毎日十億件のログを処理するパイプラインを構築", "BigQuery への移行で運用費用を四割削減"]}],
        "education": [{"institution": "東京工業大学", "studyType": "学士", "area": "情報工学", "startDate": "2013", "endDate": "2017"}],
        "skills": [{"name": "ツール", "keywords": ["Apache Spark", "Airflow", "dbt"]}],
        "languages": [{"language": "日本語", "fluency": "母語"}]
    }))
    .expect("a resume")
}

fn korean() -> ResumeDocument {
    serde_json::from_value(json!({
        "basics": {"name": "김민수", "label": "프론트엔드 개발자", "email": "minsu@example.kr",
                   "summary": "사용자 경험을 중요하게 생각하는 6년 차 프론트엔드 개발자입니다."},
        "work": [{"name": "주식회사 한빛소프트", "position": "선임 프론트엔드 개발자", "startDate": "2020-01",
                  "highlights": ["첫 화면 로딩 시간을 40% 줄였습니다", "사내 디자인 시스템을 설계했습니다"]}],
        "education": [{"institution": "한양대학교", "studyType": "학사", "area": "컴퓨터공학", "startDate": "2014", "endDate": "2018"}],
        "skills": [{"name": "도구", "keywords": ["React", "TypeScript", "Jest"]}],
        "languages": [{"language": "한국어", "fluency": "모국어"}]
    }))
    .expect("a resume")
}

/// Every string the document holds, outside `meta`.
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(fields) => fields
            .iter()
            .filter(|(k, _)| *k != "meta")
            .for_each(|(_, v)| strings(v, out)),
        _ => {}
    }
}

/// Reads `bytes` back and checks recall and that nothing is added.
fn reads_back(name: &str, doc: &ResumeDocument, format: ResumeFormat, bytes: &[u8]) {
    let read = extract::extract(format, bytes)
        .expect("the file reads back")
        .text;
    let expected = words(&text::plain(&layout::blocks(doc)));
    let got = words(&read);
    let recall = in_order(&expected, &got) as f64 / expected.len() as f64;
    let mut known = Vec::new();
    strings(&serde_json::to_value(doc).expect("json"), &mut known);
    let known: std::collections::HashSet<String> = known
        .iter()
        .flat_map(|s| words(s))
        .chain(TEMPLATE_WORDS.iter().flat_map(|w| words(w)))
        .collect();
    let added: Vec<&String> = got.iter().filter(|w| !known.contains(*w)).collect();
    assert!(
        added.is_empty(),
        "{name}: words not in the structure: {added:?}"
    );
    assert!(recall >= 0.99, "{name}: recall {recall:.4}\n{read}");
    println!(
        "{name}: {} words, recall {recall:.4}, none added",
        expected.len()
    );
}

#[test]
fn every_template_reads_back_word_for_word() {
    assert!(
        super::pdf::cjk_fonts() > 0,
        "no CJK font on this machine: install fonts-wqy-microhei (scripts/test.sh does)"
    );
    for (name, doc) in [
        ("english", english()),
        ("german", german()),
        ("chinese", chinese()),
        ("japanese", japanese()),
        ("korean", korean()),
    ] {
        for (template_name, template) in
            [("classic", Template::Classic), ("modern", Template::Modern)]
        {
            let docx = render(&doc, Format::Docx, template).expect("a DOCX");
            reads_back(
                &format!("{name}/{template_name}.docx"),
                &doc,
                ResumeFormat::Docx,
                &docx,
            );
            let pdf = render(&doc, Format::Pdf, template).expect("a PDF");
            reads_back(
                &format!("{name}/{template_name}.pdf"),
                &doc,
                ResumeFormat::Pdf,
                &pdf,
            );
        }
        let txt = render(&doc, Format::Txt, Template::Classic).expect("text");
        reads_back(&format!("{name}.txt"), &doc, ResumeFormat::Txt, &txt);
        let md = render(&doc, Format::Markdown, Template::Classic).expect("markdown");
        reads_back(&format!("{name}.md"), &doc, ResumeFormat::Markdown, &md);
    }
}

#[test]
fn the_preview_is_the_first_page_as_an_image_without_script() {
    for template in [Template::Classic, Template::Modern] {
        let svg = render(&english(), Format::Svg, template).expect("a preview");
        let svg = String::from_utf8(svg).expect("UTF-8");
        assert!(svg.starts_with("<svg"), "{}", &svg[..80]);
        assert!(svg.contains("<path"), "the glyphs are drawn");
        assert!(!svg.contains("<script") && !svg.contains("href=\"http"));
    }
}

#[test]
fn the_plain_text_parses_back_into_the_same_structure() {
    for doc in [english(), german()] {
        let back = parse(&plain_text(&doc));
        assert_eq!(back.basics.name, doc.basics.name);
        assert_eq!(back.basics.email, doc.basics.email);
        assert_eq!(back.basics.label, doc.basics.label);
        let jobs = |d: &ResumeDocument| {
            d.work
                .iter()
                .map(|w| {
                    (
                        w.position.clone(),
                        w.name.clone(),
                        w.start_date.clone(),
                        w.end_date.clone(),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(jobs(&back), jobs(&doc));
        for (read, written) in back.work.iter().zip(&doc.work) {
            // A job's summary paragraph comes back as its first line.
            let highlights = &read.highlights[read.highlights.len() - written.highlights.len()..];
            assert_eq!(highlights, written.highlights.as_slice());
        }
        assert_eq!(back.education[0].institution, doc.education[0].institution);
        assert_eq!(back.education[0].area, doc.education[0].area);
        assert_eq!(back.languages, doc.languages);
        assert_eq!(back.skills[0].keywords, doc.skills[0].keywords);
    }
}

#[test]
fn dates_read_as_people_write_them() {
    assert_eq!(layout::display_date("2021-01"), "Jan 2021");
    assert_eq!(layout::display_date("2021-12-31"), "Dec 2021");
    assert_eq!(layout::display_date("2019"), "2019");
    assert_eq!(layout::display_date("soon"), "soon");
}

#[test]
fn markdown_escapes_what_would_change_its_meaning() {
    let doc: ResumeDocument = serde_json::from_value(json!({
        "basics": {"name": "A *star* [link](x)"},
        "work": [{"name": "Acme", "highlights": ["- not a list", "# not a heading"]}]
    }))
    .expect("a resume");
    let md = String::from_utf8(render(&doc, Format::Markdown, Template::Classic).expect("md"))
        .expect("utf-8");
    assert!(md.starts_with("# A \\*star\\* \\[link\\](x)\n"), "{md}");
    assert!(md.contains("- \\- not a list\n"), "{md}");
    assert!(md.contains("- \\# not a heading\n"), "{md}");
}
