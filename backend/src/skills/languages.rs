//! Spoken languages: when a language's name is a skill, and which language
//! a document is written in.
//!
//! "Spanish" in "serve Spanish-speaking communities" or "B.A. in English"
//! claims nothing. A language counts in a languages section, beside a word
//! of proficiency ("fluent", "native", "C1", "written and spoken"), or in a
//! list with one that does ("English (native), French and German"). A
//! resume or posting written in French, Spanish, German, Chinese, Japanese
//! or Korean shows that language too.

use super::tokens::Token;

const CUES: &[&str] = &[
    "fluent",
    "fluency",
    "fluently",
    "native",
    "bilingual",
    "multilingual",
    "proficient",
    "proficiency",
    "speak",
    "speaks",
    "speaking",
    "speaker",
    "speakers",
    "spoken",
    "skills",
    "communicate",
    "translation",
    "translations",
    "translate",
    "written",
    "conversational",
    "mother",
    "language",
    "languages",
    "intermediate",
    "advanced",
    "basic",
    "elementary",
    "beginner",
    "a1",
    "a2",
    "b1",
    "b2",
    "c1",
    "c2",
    "ielts",
    "toefl",
    "langue",
    "langues",
    "courant",
    "parlées",
    "écrites",
    "maternelle",
    "sprachen",
    "muttersprache",
    "fließend",
    "idiomas",
    "idioma",
    "nativo",
    "materna",
];

/// Whether a proficiency cue sits within four words of tokens `i..i + len`,
/// on the same line, or the language is the whole line ("- Spanish").
pub fn stated(tokens: &[Token<'_>], i: usize, len: usize) -> bool {
    let alone = tokens[i].boundary_before && tokens.get(i + len).is_none_or(|t| t.boundary_before);
    if alone {
        return true;
    }
    let cue = |t: &Token<'_>| CUES.contains(&t.text.to_lowercase().as_str());
    let mut j = i;
    for _ in 0..4 {
        if j == 0 || tokens[j].boundary_before {
            break;
        }
        j -= 1;
        if cue(&tokens[j]) {
            return true;
        }
    }
    tokens[i + len..]
        .iter()
        .take(4)
        .take_while(|t| !t.boundary_before)
        .any(cue)
}

/// The token starts of the language mentions (`(start, len)`, in order)
/// that claim the language: stated with a cue, under a languages heading, or
/// listed next to one that is ("English (native), French and German").
pub fn claimed(text: &str, tokens: &[Token<'_>], named: &[(usize, usize)]) -> Vec<usize> {
    let mut ok: Vec<bool> = named
        .iter()
        .map(|&(i, len)| stated(tokens, i, len) || in_languages_section(text, tokens[i].start))
        .collect();
    let near = |a: (usize, usize), b: (usize, usize)| {
        b.0 >= a.0 + a.1
            && b.0 - (a.0 + a.1) <= 3
            && !tokens[a.0 + 1..=b.0].iter().any(|t| t.boundary_before)
    };
    for k in 1..named.len() {
        ok[k] |= ok[k - 1] && near(named[k - 1], named[k]);
    }
    for k in (1..named.len()).rev() {
        ok[k - 1] |= ok[k] && near(named[k - 1], named[k]);
    }
    named
        .iter()
        .zip(ok)
        .filter(|(_, ok)| *ok)
        .map(|(&(i, _), _)| i)
        .collect()
}

/// Whether the heading above byte `at` names languages: a short line naming
/// them, before any other heading (a short line that ends with a colon,
/// starts with `#`, is in capitals, or is underlined), within twelve lines.
pub fn in_languages_section(text: &str, at: usize) -> bool {
    let at = at.min(text.len());
    let line_start = text[..at].rfind('\n').map_or(0, |p| p + 1);
    // The twelve lines above, nearest last (one more to see underlines).
    let mut lines: Vec<&str> = text[..line_start]
        .trim_end_matches('\n')
        .rsplit('\n')
        .take(13)
        .map(str::trim)
        .collect();
    lines.reverse();
    let first = lines.len().saturating_sub(12);
    for (k, line) in lines.iter().enumerate().skip(first).rev() {
        let bare = line.trim_matches(['#', '*', ':', ' ']);
        if bare.is_empty() || !bare.chars().any(char::is_alphabetic) {
            continue;
        }
        let short = bare.split_whitespace().count() <= 4 && !bare.contains(',');
        let h = bare.to_lowercase();
        if short
            && ["language", "langue", "sprache", "idioma", "语言", "言語"]
                .iter()
                .any(|w| h.contains(w))
        {
            return true;
        }
        let underlined = lines
            .get(k + 1)
            .is_some_and(|n| n.len() >= 3 && n.chars().all(|c| c == '-' || c == '='));
        let after_blank = k == 0 || lines[k - 1].is_empty();
        let heading = short
            && (after_blank
                || line.ends_with(':')
                || line.starts_with('#')
                || underlined
                || bare.chars().all(|c| !c.is_lowercase()));
        if heading {
            return false;
        }
    }
    false
}

const STOPWORDS: &[(&str, &[&str])] = &[
    (
        "English",
        &["the", "and", "of", "with", "for", "to", "in", "on", "a"],
    ),
    (
        "French",
        &[
            "le", "la", "les", "des", "et", "du", "une", "pour", "avec", "dans",
        ],
    ),
    (
        "Spanish",
        &[
            "el", "los", "las", "y", "del", "para", "con", "una", "por", "en",
        ],
    ),
    (
        "German",
        &[
            "der", "die", "das", "und", "mit", "für", "von", "eine", "im", "zu",
        ],
    ),
];

/// The language `text` is written in, when it is not English and the text
/// is long enough to tell: by script for Chinese, Japanese and Korean, by
/// common words for French, Spanish and German.
pub fn of_document(text: &str, tokens: &[Token<'_>]) -> Option<&'static str> {
    let (mut han, mut kana, mut hangul) = (0usize, 0usize, 0usize);
    for c in text.chars() {
        match c {
            '\u{4E00}'..='\u{9FFF}' => han += 1,
            '\u{3040}'..='\u{30FF}' => kana += 1,
            '\u{AC00}'..='\u{D7AF}' => hangul += 1,
            _ => {}
        }
    }
    if hangul >= 100 {
        return Some("Korean");
    }
    if kana >= 50 {
        return Some("Japanese");
    }
    if han >= 100 {
        return Some("Mandarin Chinese");
    }
    let mut counts = [0usize; 4];
    for t in tokens.iter().filter(|t| t.text.len() <= 4) {
        for (k, (_, words)) in STOPWORDS.iter().enumerate() {
            if words.iter().any(|w| t.text.eq_ignore_ascii_case(w)) {
                counts[k] += 1;
            }
        }
    }
    let (best, &n) = counts.iter().enumerate().max_by_key(|&(_, n)| n)?;
    (best > 0 && n >= 30 && n > 2 * counts[0]).then_some(STOPWORDS[best].0)
}

#[cfg(test)]
mod tests {
    use super::super::tokens::tokenize;
    use super::*;

    #[test]
    fn a_language_counts_beside_a_proficiency_word() {
        let text = "Fluent Spanish. Serve Spanish communities.";
        let tokens = tokenize(text);
        let spanish: Vec<usize> = (0..tokens.len())
            .filter(|&i| tokens[i].text == "Spanish")
            .collect();
        assert!(stated(&tokens, spanish[0], 1));
        assert!(!stated(&tokens, spanish[1], 1));
    }

    #[test]
    fn a_languages_heading_covers_its_list() {
        let text = "Languages\nEnglish, German\n\nEducation\nB.A. in English\n";
        assert!(in_languages_section(
            text,
            text.find("German").expect("present")
        ));
        assert!(!in_languages_section(
            text,
            text.rfind("English").expect("present")
        ));
    }

    #[test]
    fn the_document_language_is_told_by_its_words() {
        let french = "Je travaille dans la production et le contrôle de la qualité des \
                      produits pour une entreprise avec des équipes. "
            .repeat(4);
        assert_eq!(of_document(&french, &tokenize(&french)), Some("French"));
        let english = "I work in the production and the quality of the products. ".repeat(8);
        assert_eq!(of_document(&english, &tokenize(&english)), None);
        let chinese = "我是一名软件工程师，熟悉分布式系统和数据库。".repeat(10);
        assert_eq!(
            of_document(&chinese, &tokenize(&chinese)),
            Some("Mandarin Chinese")
        );
    }
}
