DROP TABLE job_saves;
DROP TRIGGER jobs_fts_update;
DROP TRIGGER jobs_fts_delete;
DROP TRIGGER jobs_fts_insert;
DROP TABLE jobs_fts;
DROP TABLE jobs;
DROP TABLE resumes;
