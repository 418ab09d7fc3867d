//! Saved jobs, the skills picture across them, and the match of the active
//! resume against a posting. Knows nothing of HTTP.
//!
//! Rules: saving a URL the user already saved updates that job (and does
//! not count against the day's saves); new saves are counted per UTC day
//! against the plan's `job_saves_per_day`. A job's skills are found when it
//! is saved.

use diesel::Connection;
use shared_types::{
    DeleteJobs, JOB_DESCRIPTION_MAX_CHARS, Job, JobPage, JobPosting, JobStatus, JobSummary,
    MatchResult, PostingSkill, SaveJob, SkillsAnalysis, UpdateJob, UserId,
};

use crate::db::models::JobPostingFields;
use crate::db::{self, DbError, Pool, Scope, jobs, resumes};
use crate::skills;

/// The most jobs one page holds.
pub const MAX_PAGE: i64 = 100;
/// The most ids one bulk delete takes.
pub const MAX_BULK: usize = 500;

/// Why a jobs request failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The request is malformed.
    #[error("{0}")]
    InvalidInput(String),
    /// No such job among the user's.
    #[error("No saved job with this id.")]
    NotFound,
    /// The day's saves are used up.
    #[error(
        "You have saved {0} new jobs today, the most your plan allows; saving again starts tomorrow (UTC). Upgrade for more."
    )]
    LimitReached(u32),
    /// Matching needs an active resume.
    #[error("Add a resume first: matching compares a posting with your active resume.")]
    NoActiveResume,
    /// A valid token for an account deleted since.
    #[error("This account no longer exists.")]
    AccountGone,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for JobError {
    fn from(err: diesel::result::Error) -> Self {
        Self::Db(DbError::Query(err))
    }
}

/// Saved jobs, analysis and match.
#[derive(Clone)]
pub struct Jobs {
    pool: Pool,
}

fn check_len(name: &str, value: Option<&str>, max: usize) -> Result<(), JobError> {
    if value.is_some_and(|v| v.chars().count() > max) {
        return Err(JobError::InvalidInput(format!(
            "The {name} is longer than {max} characters."
        )));
    }
    Ok(())
}

fn optional(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Checks a posting and finds its skills.
fn fields_of(job: SaveJob) -> Result<JobPostingFields, JobError> {
    use shared_types::validation::has_text;
    if !has_text(&job.title) {
        return Err(JobError::InvalidInput("The job title is empty.".into()));
    }
    if !has_text(&job.description) {
        return Err(JobError::InvalidInput(
            "The job description is empty.".into(),
        ));
    }
    // The limits count what was sent, as the OpenAPI document says.
    check_len("title", Some(&job.title), 300)?;
    check_len(
        "description",
        Some(&job.description),
        JOB_DESCRIPTION_MAX_CHARS,
    )?;
    check_len("company", job.company.as_deref(), 300)?;
    check_len("location", job.location.as_deref(), 300)?;
    check_len("URL", job.url.as_deref(), 2_000)?;
    check_len("source", job.source.as_deref(), 50)?;
    let title = job.title.trim().to_string();
    let description = job.description.trim().to_string();
    let (company, location, url, source) = (
        optional(job.company),
        optional(job.location),
        optional(job.url),
        optional(job.source),
    );
    if let Some(url) = &url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        return Err(JobError::InvalidInput(
            "The URL must start with http:// or https://.".into(),
        ));
    }
    let skills = skills_json(&title, &description);
    Ok(JobPostingFields {
        title,
        company,
        location,
        description,
        url,
        source,
        skills,
        skills_version: skills::EXTRACTOR_VERSION,
        updated_at: db::now(),
    })
}

impl Jobs {
    /// Wires the service.
    pub fn new(pool: Pool) -> Self {
        Self { pool }
    }

    /// Saves a posting, or updates the job saved from the same URL. Returns
    /// the job and whether it is new.
    pub async fn save(
        &self,
        user: UserId,
        saves_per_day: Option<u32>,
        job: SaveJob,
    ) -> Result<(Job, bool), JobError> {
        let fields = fields_of(job)?;
        let attempt = |fields: JobPostingFields| {
            self.pool.write(Scope::User(user.0), move |conn| {
                conn.transaction(|conn| {
                    let existing = match &fields.url {
                        Some(url) => jobs::find_by_url(conn, user.0, url)?,
                        None => None,
                    };
                    let (id, created) = match existing {
                        Some(id) => {
                            jobs::update_posting(conn, id, &fields)?;
                            (id, false)
                        }
                        None => {
                            let day = db::now().format("%Y-%m-%d").to_string();
                            if !jobs::reserve_save(conn, user.0, &day, saves_per_day)? {
                                return Err(JobError::LimitReached(
                                    saves_per_day.unwrap_or_default(),
                                ));
                            }
                            (
                                jobs::insert(conn, user.0, &fields, fields.updated_at)?,
                                true,
                            )
                        }
                    };
                    let row = jobs::find_owned(conn, user.0, id)?.ok_or(JobError::NotFound)?;
                    Ok(((&row).into(), created))
                })
            })
        };
        match attempt(fields.clone()).await {
            // Another request saved the same URL between our look and our
            // insert: this save becomes an update.
            Err(JobError::Db(DbError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )))) => attempt(fields).await,
            // The only row a save names is its user's.
            Err(JobError::Db(e)) if e.is_missing_reference() => Err(JobError::AccountGone),
            other => other,
        }
    }

    /// A page of the user's jobs, newest first.
    pub async fn list(
        &self,
        user: UserId,
        filter: jobs::ListFilter,
        limit: i64,
    ) -> Result<JobPage, JobError> {
        let limit = limit.clamp(1, MAX_PAGE);
        let rows = self
            .pool
            .read(Scope::User(user.0), move |conn| {
                jobs::list(conn, user.0, &filter, limit + 1).map_err(DbError::from)
            })
            .await?;
        let summaries: Vec<JobSummary> = rows.iter().map(Into::into).collect();
        let (jobs, next_before) = db::split_page(summaries, limit, |j| j.id);
        Ok(JobPage { jobs, next_before })
    }

    /// One of the user's jobs.
    pub async fn get(&self, user: UserId, id: i64) -> Result<Job, JobError> {
        self.pool
            .read(Scope::User(user.0), move |conn| {
                let row = jobs::find_owned(conn, user.0, id)?.ok_or(JobError::NotFound)?;
                Ok((&row).into())
            })
            .await
    }

    /// Changes a job's status and/or notes.
    pub async fn update(&self, user: UserId, id: i64, change: UpdateJob) -> Result<Job, JobError> {
        let notes = change.notes.map(|n| n.trim().to_string());
        check_len("notes", notes.as_deref(), 10_000)?;
        let status = change.status.map(JobStatus::as_str);
        self.pool
            .write(Scope::User(user.0), move |conn| {
                let notes = notes.as_deref().map(|n| (!n.is_empty()).then_some(n));
                if jobs::update_tracking(conn, user.0, id, status, notes, db::now())? == 0 {
                    return Err(JobError::NotFound);
                }
                let row = jobs::find_owned(conn, user.0, id)?.ok_or(JobError::NotFound)?;
                Ok((&row).into())
            })
            .await
    }

    /// Deletes one job.
    pub async fn delete(&self, user: UserId, id: i64) -> Result<(), JobError> {
        let deleted = self
            .pool
            .write(Scope::User(user.0), move |conn| {
                jobs::delete_owned(conn, user.0, &[id]).map_err(DbError::from)
            })
            .await?;
        if deleted == 0 {
            return Err(JobError::NotFound);
        }
        Ok(())
    }

    /// Deletes those of the ids that are the user's; returns how many.
    pub async fn delete_many(&self, user: UserId, request: DeleteJobs) -> Result<u32, JobError> {
        if request.ids.is_empty() || request.ids.len() > MAX_BULK {
            return Err(JobError::InvalidInput(format!(
                "Give between 1 and {MAX_BULK} ids."
            )));
        }
        let deleted = self
            .pool
            .write(Scope::User(user.0), move |conn| {
                jobs::delete_owned(conn, user.0, &request.ids).map_err(DbError::from)
            })
            .await?;
        Ok(u32::try_from(deleted).unwrap_or(u32::MAX))
    }

    /// The skills the user's saved jobs ask for, against the active resume.
    pub async fn analysis(
        &self,
        user: UserId,
        status: Option<JobStatus>,
        ids: Option<Vec<i64>>,
    ) -> Result<SkillsAnalysis, JobError> {
        let (jobs_skills, resume) = self
            .pool
            .read(Scope::User(user.0), move |conn| {
                let skills =
                    jobs::skills(conn, user.0, status.map(JobStatus::as_str), ids.as_deref())?;
                let resume = resumes::active(conn, user.0)?;
                Ok::<_, JobError>((skills, resume))
            })
            .await?;
        let parsed: Vec<Vec<PostingSkill>> = jobs_skills
            .iter()
            .map(|json| serde_json::from_str(json).unwrap_or_default())
            .collect();
        let resume_skills = resume.as_ref().map(|r| (r.id, r.skills()));
        Ok(skills::analysis::analyse(
            parsed.iter().map(Vec::as_slice),
            resume_skills.as_ref().map(|(id, s)| (*id, s.as_slice())),
        ))
    }

    /// How the active resume fits one of the user's saved jobs.
    pub async fn match_saved(&self, user: UserId, id: i64) -> Result<MatchResult, JobError> {
        let (job, resume) = self
            .pool
            .read(Scope::User(user.0), move |conn| {
                let job = jobs::find_owned(conn, user.0, id)?.ok_or(JobError::NotFound)?;
                let resume = resumes::active(conn, user.0)?.ok_or(JobError::NoActiveResume)?;
                Ok::<_, JobError>((job, resume))
            })
            .await?;
        Ok(match_resume(&job.skills(), resume.id, &resume.text))
    }

    /// How the active resume fits a posting that is not saved.
    pub async fn match_posting(
        &self,
        user: UserId,
        posting: JobPosting,
    ) -> Result<MatchResult, JobError> {
        let text = [posting.title.as_deref(), posting.description.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\n");
        if text.trim().is_empty() {
            return Err(JobError::InvalidInput(
                "The posting has no title or description.".into(),
            ));
        }
        check_len("description", Some(&text), JOB_DESCRIPTION_MAX_CHARS)?;
        let resume = self
            .pool
            .read(Scope::User(user.0), move |conn| {
                resumes::active(conn, user.0)?.ok_or(JobError::NoActiveResume)
            })
            .await?;
        let posting: Vec<PostingSkill> = skills::extract(&text).iter().map(Into::into).collect();
        Ok(match_resume(&posting, resume.id, &resume.text))
    }
}

/// The skills of a posting, as stored (a JSON array of `PostingSkill`).
pub fn skills_json(title: &str, description: &str) -> String {
    let skills: Vec<PostingSkill> = skills::extract(&format!("{title}\n{description}"))
        .iter()
        .map(Into::into)
        .collect();
    serde_json::to_string(&skills).unwrap_or_else(|_| "[]".into())
}

fn match_resume(posting: &[PostingSkill], resume_id: i64, resume_text: &str) -> MatchResult {
    let found = skills::extract(resume_text);
    skills::analysis::match_resume(posting, resume_id, resume_text, &found)
}
