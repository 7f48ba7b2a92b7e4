-- Runs once, when the postgres container creates its database: the login role the apps use.
-- Its privileges come from the annals_writer group role, which the migrations create and
-- the migrate service grants (annals migrate --grant-to annals_app).
CREATE ROLE annals_app LOGIN PASSWORD 'annals_app';
