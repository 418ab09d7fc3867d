-- A resume's structure (a JSON Resume document, with its ids under meta),
-- as parsed from its text or as the user corrected it; NULL for resumes
-- stored before, whose text is parsed when it is asked for. Imported JSON
-- Resume files are a new format. SQLite changes a CHECK by rebuilding the
-- table; the ids are kept.
CREATE TABLE resumes_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    word_count INTEGER NOT NULL,
    format TEXT NOT NULL CHECK (format IN ('pdf', 'docx', 'txt', 'markdown', 'pasted', 'json_resume')),
    warnings TEXT NOT NULL DEFAULT '[]',
    skills TEXT NOT NULL DEFAULT '[]',
    is_active BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    document TEXT
);
INSERT INTO resumes_new
    SELECT id, user_id, title, text, word_count, format, warnings, skills, is_active,
           created_at, updated_at, NULL
    FROM resumes;
DROP TABLE resumes;
ALTER TABLE resumes_new RENAME TO resumes;
CREATE INDEX resumes_user_id ON resumes (user_id, id);
CREATE UNIQUE INDEX resumes_one_active ON resumes (user_id) WHERE is_active;
