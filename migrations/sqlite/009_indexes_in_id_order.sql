-- Nothing to do in SQLite: PostgreSQL's 009 puts the id into the workspace, org and channel indexes so that their
-- rows come in id order from the index; SQLite's indexes already end with the rowid (which is the id). The file
-- keeps both migration sets numbered alike (test/store/migrations.test.ts).
SELECT 1;
