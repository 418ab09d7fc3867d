-- Row-level security: a second wall behind the queries' own owner filters.
--
-- The app's login role owns the tables and so passes every policy (the
-- owner is exempt unless FORCE is set): that is the system scope, for admin
-- and background work. A user's request runs as `mentor_user`, which the
-- policies below confine to the rows of the users named in the session's
-- `mentor.user_ids` (a bigint array literal, set by `db::scope`). A query
-- that forgot its `user_id = ...` filter still sees that user's rows only.

-- The role is the cluster's, shared by databases; make it once. Another
-- database's migration may make it at the same time.
DO $$
BEGIN
  BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mentor_user') THEN
      CREATE ROLE mentor_user NOLOGIN;
    END IF;
  EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
  END;
  IF NOT pg_has_role(current_user, 'mentor_user', 'MEMBER') THEN
    EXECUTE format('GRANT mentor_user TO %I', current_user);
  END IF;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE EXCEPTION 'row-level security needs the role mentor_user, which the role % may not create or join. As a superuser, run: CREATE ROLE mentor_user NOLOGIN; GRANT mentor_user TO %; then migrate again.',
    current_user, quote_ident(current_user);
END $$;

GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO mentor_user;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO mentor_user;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO mentor_user;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO mentor_user;

-- The users the session may reach: none when unset.
CREATE FUNCTION mentor_scope_users() RETURNS bigint[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(nullif(current_setting('mentor.user_ids', true), ''), '{}')::bigint[]
$$;

-- Each owned table: its rows are its user's. The same list is in down.sql.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['conversations', 'messages', 'resumes', 'jobs', 'api_keys',
                           'provider_keys', 'user_data_keys', 'data_exports'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY own_rows ON %I TO mentor_user '
                   'USING (user_id = ANY (mentor_scope_users()))', t);
  END LOOP;
END $$;
