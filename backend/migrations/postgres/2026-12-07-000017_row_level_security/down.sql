DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['conversations', 'messages', 'resumes', 'jobs', 'api_keys',
                           'provider_keys', 'user_data_keys', 'data_exports'] LOOP
    EXECUTE format('DROP POLICY own_rows ON %I', t);
    EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', t);
  END LOOP;
END $$;
DROP FUNCTION mentor_scope_users();
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM mentor_user;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM mentor_user;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM mentor_user;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM mentor_user;
