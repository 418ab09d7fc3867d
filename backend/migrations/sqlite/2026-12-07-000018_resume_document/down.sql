DELETE FROM resumes WHERE format = 'json_resume';
CREATE TABLE resumes_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    word_count INTEGER NOT NULL,
    format TEXT NOT NULL CHECK (format IN ('pdf', 'docx', 'txt', 'markdown', 'pasted')),
    warnings TEXT NOT NULL DEFAULT '[]',
    skills TEXT NOT NULL DEFAULT '[]',
    is_active BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO resumes_old
    SELECT id, user_id, title, text, word_count, format, warnings, skills, is_active,
           created_at, updated_at
    FROM resumes;
DROP TABLE resumes;
ALTER TABLE resumes_old RENAME TO resumes;
CREATE INDEX resumes_user_id ON resumes (user_id, id);
CREATE UNIQUE INDEX resumes_one_active ON resumes (user_id) WHERE is_active;
