//! The one CSV writer of every file the console serves. A cell that starts
//! with `=`, `+`, `-`, `@`, a tab or a carriage return is what a spreadsheet
//! runs as a formula (a failed sign-in's User-Agent `=HYPERLINK(...)`, say):
//! such a cell gets a leading `'`, as OWASP's guidance on CSV injection says,
//! so it opens as the text it is.

use std::borrow::Cow;

/// Rows of CSV, written into memory.
pub(crate) struct SafeCsv(csv::Writer<Vec<u8>>);

impl SafeCsv {
    /// An empty file.
    pub(crate) fn new() -> Self {
        Self(
            csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(Vec::new()),
        )
    }

    /// Writes one row, each cell defused.
    pub(crate) fn row<S: AsRef<str>>(
        &mut self,
        cells: impl IntoIterator<Item = S>,
    ) -> Result<(), csv::Error> {
        self.0.write_record(
            cells
                .into_iter()
                .map(|cell| defused(cell.as_ref()).into_owned()),
        )
    }

    /// The file's bytes.
    pub(crate) fn into_bytes(self) -> Result<Vec<u8>, String> {
        self.0.into_inner().map_err(|e| e.to_string())
    }
}

/// `cell`, with a leading `'` if a spreadsheet would read it as a formula.
fn defused(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_a_spreadsheet_would_run_get_a_quote_and_others_stay() {
        for formula in [
            "=HYPERLINK(\"http://evil.example\",\"x\")",
            "+1",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
        ] {
            assert_eq!(defused(formula), format!("'{formula}"));
        }
        for plain in ["", "ada@example.com", "0.000123", "gpt-4o-mini", "a=b"] {
            assert_eq!(defused(plain), plain);
        }
    }

    #[test]
    fn a_row_is_quoted_as_csv_after_defusing() {
        let mut csv = SafeCsv::new();
        csv.row(["1", "=cmd|' /C calc'!A0", "say \"hi\", then"])
            .expect("written");
        let text = String::from_utf8(csv.into_bytes().expect("bytes")).expect("utf-8");
        assert_eq!(text, "1,'=cmd|' /C calc'!A0,\"say \"\"hi\"\", then\"\n");
    }
}
