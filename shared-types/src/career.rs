//! The user's career context: resumes, saved jobs, skills, job match.

use serde::{Deserialize, Serialize};

use crate::ask::JobPosting;

/// The most characters a saved job's description may have.
pub const JOB_DESCRIPTION_MAX_CHARS: usize = 100_000;
/// The most characters a resume's text may have.
pub const RESUME_TEXT_MAX_CHARS: usize = 100_000;
/// The largest resume file accepted, in bytes.
pub const RESUME_FILE_MAX_BYTES: usize = 5 * 1024 * 1024;

/// What kind of skill a skill is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SkillCategory {
    /// Tools, languages, methods, domain know-how.
    Technical,
    /// Ways of working with people and problems.
    Soft,
    /// Certificates and licences.
    Certification,
    /// Spoken and signed languages.
    Language,
}
string_enum!(SkillCategory { Technical => "technical", Soft => "soft", Certification => "certification", Language => "language" });

/// A skill a posting asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PostingSkill {
    /// The canonical name.
    pub name: String,
    /// Its category.
    pub category: SkillCategory,
    /// False when the posting only calls it preferred or a plus.
    pub required: bool,
    /// Skills the posting accepts instead ("Go or Rust"): with this one,
    /// they are a single requirement that any of them meets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<String>,
}

/// Where a resume's text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ResumeFormat {
    /// A PDF file.
    Pdf,
    /// A Word (DOCX) file.
    Docx,
    /// A plain-text file.
    Txt,
    /// A Markdown file.
    Markdown,
    /// Text pasted in.
    Pasted,
    /// A JSON Resume file, imported.
    JsonResume,
}
string_enum!(ResumeFormat { Pdf => "pdf", Docx => "docx", Txt => "txt", Markdown => "markdown", Pasted => "pasted", JsonResume => "json_resume" });

/// `POST /resumes` as JSON: pasted text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateResume {
    /// A name for it ("Backend, 2026").
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub title: Option<String>,
    /// The resume's text.
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 100000, pattern = "[^\\s\\x00-\\x1f\\x7f-\\x9f]")
    )]
    pub text: String,
}

/// `PATCH /resumes/{id}`: fix the title or the extracted text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateResume {
    /// A new title.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 200, pattern = "[^\\s\\x00-\\x1f\\x7f-\\x9f]")
    )]
    pub title: Option<String>,
    /// The corrected text.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 100000, pattern = "[^\\s\\x00-\\x1f\\x7f-\\x9f]")
    )]
    pub text: Option<String>,
}

/// A resume in a list (without its text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResumeSummary {
    /// Its id.
    pub id: i64,
    /// Its title.
    pub title: String,
    /// Words in its text.
    pub word_count: u32,
    /// Where the text came from.
    pub format: ResumeFormat,
    /// Whether asks use it as context.
    pub is_active: bool,
    /// When it was added (RFC 3339).
    pub created_at: String,
}

/// A resume with its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Resume {
    /// Its id.
    pub id: i64,
    /// Its title.
    pub title: String,
    /// The text, as extracted or as edited.
    pub text: String,
    /// Words in the text.
    pub word_count: u32,
    /// Where the text came from.
    pub format: ResumeFormat,
    /// What extraction noticed that the user may want to check.
    pub warnings: Vec<String>,
    /// Whether asks use it as context.
    pub is_active: bool,
    /// The skills the text shows.
    pub skills: Vec<PostingSkill>,
    /// When it was added (RFC 3339).
    pub created_at: String,
    /// When it last changed (RFC 3339).
    pub updated_at: String,
}

/// Where a saved job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Saved to look at.
    Saved,
    /// Applied to.
    Applied,
    /// Interviews under way.
    Interviewing,
    /// An offer came.
    Offer,
    /// Turned down.
    Rejected,
    /// Put away.
    Archived,
}
string_enum!(JobStatus { Saved => "saved", Applied => "applied", Interviewing => "interviewing", Offer => "offer", Rejected => "rejected", Archived => "archived" });

/// `POST /jobs`: a posting to save.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SaveJob {
    /// The job title.
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 300, pattern = "[^\\s\\x00-\\x1f\\x7f-\\x9f]")
    )]
    pub title: String,
    /// The hiring company.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 300))]
    pub company: Option<String>,
    /// Where the job is.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 300))]
    pub location: Option<String>,
    /// The description as plain text.
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 100000, pattern = "[^\\s\\x00-\\x1f\\x7f-\\x9f]")
    )]
    pub description: String,
    /// The posting's address (http or https); saving the same address
    /// again updates it.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 2000, pattern = "^\\s*https?://")
    )]
    pub url: Option<String>,
    /// Where it was found ("linkedin", "greenhouse", "manual", ...).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 50))]
    pub source: Option<String>,
}

/// `PATCH /jobs/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateJob {
    /// The new status.
    #[serde(default)]
    pub status: Option<JobStatus>,
    /// The user's notes (replaces the old ones).
    #[serde(default)]
    pub notes: Option<String>,
}

/// `POST /jobs/delete`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeleteJobs {
    /// The jobs to delete (at most 500).
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 500))]
    pub ids: Vec<i64>,
}

/// How many jobs a bulk delete removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deleted {
    /// Rows removed (ids that were not the caller's are ignored).
    pub deleted: u32,
}

/// A saved job in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobSummary {
    /// Its id.
    pub id: i64,
    /// The job title.
    pub title: String,
    /// The hiring company.
    pub company: Option<String>,
    /// Where the job is.
    pub location: Option<String>,
    /// The posting's address.
    pub url: Option<String>,
    /// Where it stands.
    pub status: JobStatus,
    /// When it was saved (RFC 3339).
    pub created_at: String,
}

/// A saved job in full.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Job {
    /// Its id.
    pub id: i64,
    /// The job title.
    pub title: String,
    /// The hiring company.
    pub company: Option<String>,
    /// Where the job is.
    pub location: Option<String>,
    /// The description.
    pub description: String,
    /// The posting's address.
    pub url: Option<String>,
    /// Where it was found.
    pub source: Option<String>,
    /// Where it stands.
    pub status: JobStatus,
    /// The user's notes.
    pub notes: Option<String>,
    /// The skills the posting asks for.
    pub skills: Vec<PostingSkill>,
    /// When it was saved (RFC 3339).
    pub created_at: String,
    /// When it last changed (RFC 3339).
    pub updated_at: String,
}

/// One page of saved jobs, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobPage {
    /// The jobs.
    pub jobs: Vec<JobSummary>,
    /// Pass as `before` for the next page; absent on the last.
    pub next_before: Option<i64>,
}

/// One skill across the user's saved jobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SkillDemand {
    /// The canonical name.
    pub name: String,
    /// Its category.
    pub category: SkillCategory,
    /// How many of the jobs ask for it.
    pub jobs: u32,
    /// `jobs` over the number of jobs considered, 0 to 1.
    pub share: f64,
    /// How many of the jobs require it (not only prefer it).
    pub required_in: u32,
    /// Whether the active resume shows it.
    pub in_resume: bool,
}

/// `GET /skills/analysis`: which skills the saved jobs want.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SkillsAnalysis {
    /// How many saved jobs were considered.
    pub jobs_considered: u32,
    /// The active resume compared against, if any.
    pub resume_id: Option<i64>,
    /// Every skill asked for, most wanted first (ties by name).
    pub skills: Vec<SkillDemand>,
    /// The most wanted skills the resume does not show (at most 10).
    pub top_missing: Vec<String>,
}

/// `POST /match`: a posting not saved yet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatchRequest {
    /// The posting, as the panel extracts it.
    pub job_posting: JobPosting,
}

/// A skill the posting asks for and the resume shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatchedSkill {
    /// The canonical name.
    pub name: String,
    /// Its category.
    pub category: SkillCategory,
    /// Whether the posting requires it.
    pub required: bool,
    /// The resume's words that show it.
    pub snippet: String,
    /// The resume skill that implies it, when the resume does not name it
    /// ("CI/CD" shown by "GitHub Actions").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}

/// Matched against asked for, for one kind of skill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tally {
    /// Skills the resume shows.
    pub matched: u32,
    /// Skills the posting asks for.
    pub total: u32,
}

/// How well the active resume fits a posting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatchResult {
    /// 0 to 100.
    pub score: u8,
    /// How the score is computed, in words and numbers.
    pub formula: String,
    /// Required skills matched of asked.
    pub required: Tally,
    /// Preferred skills matched of asked.
    pub preferred: Tally,
    /// Skills the resume shows, with where.
    pub matched: Vec<MatchedSkill>,
    /// Skills the resume does not show.
    pub missing: Vec<PostingSkill>,
    /// The resume compared.
    pub resume_id: i64,
}
