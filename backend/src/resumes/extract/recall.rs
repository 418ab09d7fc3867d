//! How much of a document's text an extraction reads back: the measure of
//! the extraction fixtures and of the render read-back tests.

/// Words as a reader counts them: runs of letters and digits, and each
/// Chinese, Japanese or Korean character alone; lower case.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        let cjk = matches!(c, '\u{2e80}'..='\u{9fff}' | '\u{ac00}'..='\u{d7af}' | '\u{f900}'..='\u{faff}');
        if c.is_alphanumeric() && !cjk {
            word.extend(c.to_lowercase());
            continue;
        }
        if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        if cjk {
            out.push(c.to_string());
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// The longest common subsequence's length: the words read back in order.
pub fn in_order(expected: &[String], got: &[String]) -> usize {
    let mut row = vec![0usize; got.len() + 1];
    for e in expected {
        let mut diagonal = 0;
        for (j, g) in got.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if e == g {
                diagonal + 1
            } else {
                above.max(row[j])
            };
            diagonal = above;
        }
    }
    row[got.len()]
}

/// The share of `expected`'s words that `got` holds in the same order.
pub fn recall(expected: &str, got: &str) -> f64 {
    let expected = words(expected);
    in_order(&expected, &words(got)) as f64 / expected.len().max(1) as f64
}
