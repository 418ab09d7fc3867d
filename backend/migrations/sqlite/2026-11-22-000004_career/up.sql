-- Resumes: the text (extracted or pasted, then perhaps edited), what
-- extraction warned about and the skills found in it (JSON arrays). At most
-- one resume per user is active.
CREATE TABLE resumes (
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
CREATE INDEX resumes_user_id ON resumes (user_id, id);
CREATE UNIQUE INDEX resumes_one_active ON resumes (user_id) WHERE is_active;

-- Saved job postings, with the skills found in each (JSON array). A URL is
-- saved once per user; NULL URLs (typed by hand) may repeat.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    company TEXT,
    location TEXT,
    description TEXT NOT NULL,
    url TEXT,
    source TEXT,
    status TEXT NOT NULL DEFAULT 'saved'
        CHECK (status IN ('saved', 'applied', 'interviewing', 'offer', 'rejected', 'archived')),
    notes TEXT,
    skills TEXT NOT NULL DEFAULT '[]',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX jobs_user_id ON jobs (user_id, id);
CREATE UNIQUE INDEX jobs_user_url ON jobs (user_id, url);

-- Full-text search over title, company and description (FTS5, kept in step
-- with jobs by triggers).
CREATE VIRTUAL TABLE jobs_fts USING fts5(
    title, company, description,
    content = 'jobs', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER jobs_fts_insert AFTER INSERT ON jobs BEGIN
    INSERT INTO jobs_fts (rowid, title, company, description)
    VALUES (new.id, new.title, coalesce(new.company, ''), new.description);
END;
CREATE TRIGGER jobs_fts_delete AFTER DELETE ON jobs BEGIN
    INSERT INTO jobs_fts (jobs_fts, rowid, title, company, description)
    VALUES ('delete', old.id, old.title, coalesce(old.company, ''), old.description);
END;
CREATE TRIGGER jobs_fts_update AFTER UPDATE OF title, company, description ON jobs BEGIN
    INSERT INTO jobs_fts (jobs_fts, rowid, title, company, description)
    VALUES ('delete', old.id, old.title, coalesce(old.company, ''), old.description);
    INSERT INTO jobs_fts (rowid, title, company, description)
    VALUES (new.id, new.title, coalesce(new.company, ''), new.description);
END;

-- New jobs saved per user per UTC day ('YYYY-MM-DD'), for the plan's limit.
CREATE TABLE job_saves (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    used INTEGER NOT NULL DEFAULT 0 CHECK (used >= 0),
    PRIMARY KEY (user_id, day)
);
