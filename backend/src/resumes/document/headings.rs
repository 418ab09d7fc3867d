//! Section headings in English, German, French and Spanish, and the part of
//! the document each starts.

/// The part of a resume a heading starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// A profile or summary paragraph.
    Summary,
    /// Jobs.
    Work,
    /// Unpaid roles.
    Volunteer,
    /// Studies.
    Education,
    /// Skills, often grouped.
    Skills,
    /// Spoken languages.
    Languages,
    /// Certificates and licences.
    Certificates,
    /// Projects.
    Projects,
    /// Awards and honours.
    Awards,
    /// Publications.
    Publications,
    /// Something this parser keeps no structure for (interests, references).
    Other,
}

/// Headings, lower case, without accents' variants spelled out where
/// resumes drop them.
const HEADINGS: &[(&str, Section)] = &[
    ("summary", Section::Summary),
    ("profile", Section::Summary),
    ("professional summary", Section::Summary),
    ("about me", Section::Summary),
    ("about", Section::Summary),
    ("objective", Section::Summary),
    ("zusammenfassung", Section::Summary),
    ("profil", Section::Summary),
    ("kurzprofil", Section::Summary),
    ("über mich", Section::Summary),
    ("résumé", Section::Summary),
    ("à propos", Section::Summary),
    ("perfil", Section::Summary),
    ("perfil profesional", Section::Summary),
    ("resumen", Section::Summary),
    ("sobre mí", Section::Summary),
    ("experience", Section::Work),
    ("work experience", Section::Work),
    ("professional experience", Section::Work),
    ("employment", Section::Work),
    ("employment history", Section::Work),
    ("work history", Section::Work),
    ("career", Section::Work),
    ("berufserfahrung", Section::Work),
    ("erfahrung", Section::Work),
    ("beruflicher werdegang", Section::Work),
    ("werdegang", Section::Work),
    ("expérience", Section::Work),
    ("expériences", Section::Work),
    ("expérience professionnelle", Section::Work),
    ("expériences professionnelles", Section::Work),
    ("experiencia", Section::Work),
    ("experiencia laboral", Section::Work),
    ("experiencia profesional", Section::Work),
    ("volunteer", Section::Volunteer),
    ("volunteering", Section::Volunteer),
    ("volunteer experience", Section::Volunteer),
    ("ehrenamt", Section::Volunteer),
    ("ehrenamtliches engagement", Section::Volunteer),
    ("bénévolat", Section::Volunteer),
    ("voluntariado", Section::Volunteer),
    ("education", Section::Education),
    ("academic background", Section::Education),
    ("ausbildung", Section::Education),
    ("bildung", Section::Education),
    ("bildungsweg", Section::Education),
    ("studium", Section::Education),
    ("formation", Section::Education),
    ("formations", Section::Education),
    ("éducation", Section::Education),
    ("educación", Section::Education),
    ("formación", Section::Education),
    ("formación académica", Section::Education),
    ("skills", Section::Skills),
    ("technical skills", Section::Skills),
    ("core skills", Section::Skills),
    ("key skills", Section::Skills),
    ("kenntnisse", Section::Skills),
    ("fähigkeiten", Section::Skills),
    ("kompetenzen", Section::Skills),
    ("fachkenntnisse", Section::Skills),
    ("compétences", Section::Skills),
    ("compétences techniques", Section::Skills),
    ("habilidades", Section::Skills),
    ("competencias", Section::Skills),
    ("aptitudes", Section::Skills),
    ("conocimientos", Section::Skills),
    ("languages", Section::Languages),
    ("sprachen", Section::Languages),
    ("sprachkenntnisse", Section::Languages),
    ("langues", Section::Languages),
    ("idiomas", Section::Languages),
    ("certifications", Section::Certificates),
    ("certificates", Section::Certificates),
    ("licenses & certifications", Section::Certificates),
    ("licenses and certifications", Section::Certificates),
    ("zertifikate", Section::Certificates),
    ("zertifizierungen", Section::Certificates),
    ("certificats", Section::Certificates),
    ("certificaciones", Section::Certificates),
    ("projects", Section::Projects),
    ("personal projects", Section::Projects),
    ("projekte", Section::Projects),
    ("projets", Section::Projects),
    ("proyectos", Section::Projects),
    ("awards", Section::Awards),
    ("honors", Section::Awards),
    ("honours", Section::Awards),
    ("awards & honors", Section::Awards),
    ("auszeichnungen", Section::Awards),
    ("distinctions", Section::Awards),
    ("prix", Section::Awards),
    ("premios", Section::Awards),
    ("publications", Section::Publications),
    ("publikationen", Section::Publications),
    ("veröffentlichungen", Section::Publications),
    ("publicaciones", Section::Publications),
    ("interests", Section::Other),
    ("hobbies", Section::Other),
    ("interessen", Section::Other),
    ("centres d'intérêt", Section::Other),
    ("intereses", Section::Other),
    ("references", Section::Other),
    ("referenzen", Section::Other),
    ("références", Section::Other),
    ("referencias", Section::Other),
];

/// The section `line` starts, if it is a heading: one of the known words
/// alone on its line, in any case, maybe with a colon.
pub fn section_of(line: &str) -> Option<Section> {
    let text = line.trim().trim_end_matches(':').trim().to_lowercase();
    if text.is_empty() || text.chars().count() > 40 {
        return None;
    }
    HEADINGS
        .iter()
        .find(|(heading, _)| *heading == text)
        .map(|(_, section)| *section)
}

#[cfg(test)]
mod tests {
    use super::{Section, section_of};

    #[test]
    fn headings_in_four_languages() {
        for (line, section) in [
            ("Experience", Section::Work),
            ("BERUFSERFAHRUNG", Section::Work),
            ("Expérience professionnelle", Section::Work),
            ("Experiencia laboral:", Section::Work),
            ("Ausbildung", Section::Education),
            ("Formación académica", Section::Education),
            ("Compétences", Section::Skills),
            ("Sprachen", Section::Languages),
        ] {
            assert_eq!(section_of(line), Some(section), "{line}");
        }
        assert_eq!(section_of("Experience with Rust and Go"), None);
    }
}
