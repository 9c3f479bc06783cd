-- Regions and departments managed in the product (issue 12, item 3): a
-- region or department is retired, never deleted (enterprises, demands,
-- users and history keep pointing at it); a department gets a short name.
-- Retired ones are hidden from pickers; NULL means in use.
ALTER TABLE regions ADD COLUMN retired_at INTEGER;
ALTER TABLE departments ADD COLUMN short_name TEXT NOT NULL DEFAULT '';
ALTER TABLE departments ADD COLUMN retired_at INTEGER;
