//! Stripe's webhook signatures: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=...]`
//! where each `v1` is HMAC-SHA256 over `"<t>.<raw body>"` with the endpoint's
//! signing secret. Checked before the body is parsed.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far the signed time may be from now, in seconds (Stripe's default).
pub const TOLERANCE_SECS: i64 = 300;

/// Why a signature was refused (for the log; the client only gets a 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No `t=` or no `v1=` in the header.
    #[error("the Stripe-Signature header has no timestamp or no v1 signature")]
    Malformed,
    /// The timestamp is further than [`TOLERANCE_SECS`] from now.
    #[error("the signed timestamp is {0} s away from now")]
    Stale(i64),
    /// No `v1` signature matches the body.
    #[error("no v1 signature matches the body")]
    Mismatch,
}

/// Checks `header` against the raw `payload`; returns the signed time.
pub fn verify(
    header: &str,
    payload: &[u8],
    secret: &[u8],
    now: i64,
) -> Result<i64, SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", hex)) => signatures.extend(hex::decode(hex).ok()),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    let skew = (now - timestamp).abs();
    if skew > TOLERANCE_SECS {
        return Err(SignatureError::Stale(skew));
    }
    let mac = mac(secret, timestamp, payload);
    // `verify_slice` compares in constant time.
    if signatures
        .iter()
        .any(|signature| mac.clone().verify_slice(signature).is_ok())
    {
        Ok(timestamp)
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// The header Stripe would send for `payload` signed at `timestamp` (for
/// tests, and for operators replaying an event by hand).
pub fn sign(payload: &[u8], secret: &[u8], timestamp: i64) -> String {
    let signature = hex::encode(mac(secret, timestamp, payload).finalize().into_bytes());
    format!("t={timestamp},v1={signature}")
}

fn mac(secret: &[u8], timestamp: i64, payload: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"whsec_test";
    const BODY: &[u8] = br#"{"id":"evt_1"}"#;

    #[test]
    fn a_correct_signature_passes_and_returns_its_time() {
        let header = sign(BODY, SECRET, 1_000);
        assert_eq!(verify(&header, BODY, SECRET, 1_010), Ok(1_000));
    }

    #[test]
    fn any_of_several_v1_signatures_may_match() {
        let good = sign(BODY, SECRET, 1_000);
        let v1 = good.split_once(",v1=").expect("v1").1;
        let header = format!("t=1000,v1={},v0=abc,v1={v1}", "00".repeat(32));
        assert_eq!(verify(&header, BODY, SECRET, 1_000), Ok(1_000));
    }

    #[test]
    fn a_tampered_body_or_another_secret_fails() {
        let header = sign(BODY, SECRET, 1_000);
        assert_eq!(
            verify(&header, br#"{"id":"evt_2"}"#, SECRET, 1_000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&header, BODY, b"whsec_other", 1_000),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn a_stale_or_future_timestamp_fails() {
        let header = sign(BODY, SECRET, 1_000);
        assert_eq!(
            verify(&header, BODY, SECRET, 1_000 + TOLERANCE_SECS + 1),
            Err(SignatureError::Stale(TOLERANCE_SECS + 1))
        );
        assert!(verify(&header, BODY, SECRET, 1_000 - TOLERANCE_SECS - 1).is_err());
        assert_eq!(
            verify(&header, BODY, SECRET, 1_000 + TOLERANCE_SECS),
            Ok(1_000)
        );
    }

    #[test]
    fn malformed_headers_fail() {
        for header in ["", "t=1000", "v1=abcd", "t=x,v1=abcd", "t=1000,v1=not-hex"] {
            assert_eq!(
                verify(header, BODY, SECRET, 1_000),
                Err(SignatureError::Malformed),
                "{header}"
            );
        }
    }
}
