DROP TABLE job_saves;
DROP TABLE jobs;
DROP TABLE resumes;
