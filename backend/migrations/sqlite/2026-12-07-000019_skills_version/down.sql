ALTER TABLE jobs DROP COLUMN skills_version;
ALTER TABLE resumes DROP COLUMN skills_version;
