-- Which version of the skills extractor found each stored resume's and
-- saved job's skills. Rows stored before are version 0; the server
-- re-extracts every row older than its extractor in the background at start
-- (see `skills_upgrade`), so stored skills match the running code.
ALTER TABLE resumes ADD COLUMN skills_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN skills_version INTEGER NOT NULL DEFAULT 0;
