-- A resume's structure (a JSON Resume document, with its ids under meta),
-- as parsed from its text or as the user corrected it; NULL for resumes
-- stored before, whose text is parsed when it is asked for. Imported JSON
-- Resume files are a new format.
ALTER TABLE resumes ADD COLUMN document TEXT;
ALTER TABLE resumes DROP CONSTRAINT resumes_format_check;
ALTER TABLE resumes ADD CONSTRAINT resumes_format_check
    CHECK (format IN ('pdf', 'docx', 'txt', 'markdown', 'pasted', 'json_resume'));
