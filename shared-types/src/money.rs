//! Exact money amounts. Costs are whole pico-dollars (10^-12 USD): a price of
//! at most nine decimals per 1,000 tokens times a token count is always a
//! whole number of them, so no cost is ever rounded.

/// Pico-dollars in one dollar.
pub const PICO_PER_USD: i64 = 1_000_000_000_000;

/// Formats pico-dollars as a plain decimal string: `1500000` -> `"0.0000015"`.
pub fn format_pico_usd(pico: i64) -> String {
    let sign = if pico < 0 { "-" } else { "" };
    let abs = pico.unsigned_abs();
    let whole = abs / PICO_PER_USD as u64;
    let frac = abs % PICO_PER_USD as u64;
    if frac == 0 {
        return format!("{sign}{whole}");
    }
    let digits = format!("{frac:012}");
    format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
}

/// Reads a dollar amount of at most 12 decimals into pico-dollars.
pub fn parse_usd_to_pico(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let bad = || format!("'{text}' is not a dollar amount with at most 12 decimals");
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 12
    {
        return Err(bad());
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let frac: i64 = format!("{frac:0<12}").parse().map_err(|_| bad())?;
    whole
        .checked_mul(PICO_PER_USD)
        .and_then(|w| w.checked_add(frac))
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_format_without_trailing_zeros() {
        assert_eq!(format_pico_usd(0), "0");
        assert_eq!(format_pico_usd(1_500_000), "0.0000015");
        assert_eq!(format_pico_usd(2 * PICO_PER_USD), "2");
        assert_eq!(format_pico_usd(PICO_PER_USD + 1), "1.000000000001");
        assert_eq!(format_pico_usd(-150), "-0.00000000015");
    }

    #[test]
    fn prices_parse_exactly() {
        assert_eq!(parse_usd_to_pico("0.00015"), Ok(150_000_000));
        assert_eq!(parse_usd_to_pico("0.0000375"), Ok(37_500_000));
        assert_eq!(parse_usd_to_pico("3"), Ok(3 * PICO_PER_USD));
        assert_eq!(parse_usd_to_pico(".5"), Ok(PICO_PER_USD / 2));
        for bad in ["", ".", "-1", "1e-3", "0.0000000000001", "abc"] {
            assert!(parse_usd_to_pico(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn parse_and_format_are_inverse() {
        for text in ["0.00015", "12.5", "0.000000000001", "7"] {
            assert_eq!(
                format_pico_usd(parse_usd_to_pico(text).expect("parses")),
                text
            );
        }
    }
}
