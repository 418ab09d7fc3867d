DELETE FROM resumes WHERE format = 'json_resume';
ALTER TABLE resumes DROP CONSTRAINT resumes_format_check;
ALTER TABLE resumes ADD CONSTRAINT resumes_format_check
    CHECK (format IN ('pdf', 'docx', 'txt', 'markdown', 'pasted'));
ALTER TABLE resumes DROP COLUMN document;
