//! Unicode for CID fonts that name one of Adobe's character collections
//! but carry no ToUnicode map.
//!
//! XeLaTeX with ctex's default Fandol fonts writes Chinese this way
//! (CID-keyed CFF, `Identity-H`, `CIDSystemInfo` Adobe-GB1, no
//! `ToUnicode`), and pdf-extract then reads only replacement characters: 8%
//! of a Chinese resume's words. PDF 32000-1 §9.10.2 says to map such CIDs
//! through the collection's UCS2 CMap, as poppler and MuPDF do. Adobe's
//! CMaps come embedded in hayro-cmap (built for Typst already); [`mend`]
//! gives each such font a `ToUnicode` stream for the codes the pages show,
//! which pdf-extract then reads as it reads any other.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write;

use hayro_cmap::{BfString, CMap, CidFamily, load_embedded};
use pdf_extract::content::Content;
use pdf_extract::{Dictionary, Document, Object, ObjectId, Stream};

/// Gives a `ToUnicode` map to every Identity-encoded CID font that lacks
/// one and names Adobe-GB1, -CNS1, -Japan1 or -Korea1. Returns how many.
pub fn mend(doc: &mut Document) -> usize {
    let fonts: Vec<(ObjectId, CidFamily)> = doc
        .objects
        .iter()
        .filter_map(|(id, object)| Some((*id, family_to_map(doc, object.as_dict().ok()?)?)))
        .collect();
    if fonts.is_empty() {
        return 0;
    }
    let codes = shown_codes(doc);
    let mut maps: HashMap<CidFamily, Option<ObjectId>> = HashMap::new();
    let mut mended = 0;
    for (font, family) in fonts {
        let map = *maps.entry(family.clone()).or_insert_with(|| {
            let text = to_unicode(&family, &codes)?;
            Some(doc.add_object(Stream::new(Dictionary::new(), text.into_bytes())))
        });
        if let (Some(map), Ok(Object::Dictionary(font))) = (map, doc.get_object_mut(font)) {
            font.set("ToUnicode", Object::Reference(map));
            mended += 1;
        }
    }
    mended
}

/// The collection of a Type0 font that needs a map: Identity encoding (so
/// a code is its CID), no `ToUnicode`, and a collection with a UCS2 CMap.
fn family_to_map(doc: &Document, font: &Dictionary) -> Option<CidFamily> {
    let name = |key: &[u8]| font.get(key).and_then(Object::as_name).ok();
    if name(b"Subtype")? != b"Type0" || font.has(b"ToUnicode") {
        return None;
    }
    if !matches!(name(b"Encoding")?, b"Identity-H" | b"Identity-V") {
        return None;
    }
    let resolve = |object: &Object| doc.dereference(object).ok().map(|(_, o)| o.clone());
    let descendants = resolve(font.get(b"DescendantFonts").ok()?)?;
    let cid_font = resolve(descendants.as_array().ok()?.first()?)?;
    let info = resolve(cid_font.as_dict().ok()?.get(b"CIDSystemInfo").ok()?)?;
    let info = info.as_dict().ok()?;
    let text = |key: &[u8]| {
        info.get(key)
            .and_then(Object::as_str)
            .ok()
            .map(<[u8]>::to_vec)
    };
    let family = CidFamily::from_registry_ordering(&text(b"Registry")?, &text(b"Ordering")?);
    family.ucs2_cmap().is_some().then_some(family)
}

/// Every two-byte code that a text-showing operator on a page or in a form
/// shows, whatever its font: a few hundred codes for a resume, where a full
/// collection's map would be 30,000 entries for pdf-extract to parse.
fn shown_codes(doc: &Document) -> BTreeSet<u16> {
    let mut codes = BTreeSet::new();
    let mut take = |content: Content| {
        for operation in content.operations {
            if !matches!(operation.operator.as_str(), "Tj" | "TJ" | "'" | "\"") {
                continue;
            }
            for operand in &operation.operands {
                let strings = match operand {
                    Object::Array(items) => items.iter().collect(),
                    other => vec![other],
                };
                for bytes in strings.into_iter().filter_map(|s| s.as_str().ok()) {
                    codes.extend(
                        bytes
                            .chunks_exact(2)
                            .map(|p| u16::from_be_bytes([p[0], p[1]])),
                    );
                }
            }
        }
    };
    for page in doc.get_pages().into_values() {
        if let Ok(content) = doc.get_and_decode_page_content(page) {
            take(content);
        }
    }
    for object in doc.objects.values() {
        let Ok(stream) = object.as_stream() else {
            continue;
        };
        if stream.dict.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Form") {
            let decoded = stream
                .decompressed_content()
                .unwrap_or_else(|_| stream.content.clone());
            if let Ok(content) = Content::decode(&decoded) {
                take(content);
            }
        }
    }
    codes
}

/// A `ToUnicode` CMap for `codes`, through the collection's UCS2 CMap.
fn to_unicode(family: &CidFamily, codes: &BTreeSet<u16>) -> Option<String> {
    let ucs2 = CMap::parse(load_embedded(family.ucs2_cmap()?)?, load_embedded)?;
    let entries: Vec<(u16, String)> = codes
        .iter()
        .filter_map(|&code| {
            let text = match ucs2.lookup_bf_string(u32::from(code))? {
                BfString::Char(c) => c.to_string(),
                BfString::String(s) => s,
            };
            let hex: String = text.encode_utf16().map(|u| format!("{u:04X}")).collect();
            Some((code, hex))
        })
        .collect();
    let mut out = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    // A CMap's sections hold at most 100 entries.
    for chunk in entries.chunks(100) {
        let _ = writeln!(out, "{} beginbfchar", chunk.len());
        for (code, hex) in chunk {
            let _ = writeln!(out, "<{code:04X}> <{hex}>");
        }
        out.push_str("endbfchar\n");
    }
    out.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    Some(out)
}
