-- User administration (issue 12): deactivation time, one-time passwords and
-- the must-change-password state.
-- must_change_password: 1 after an admin set a one-time password (create or
-- reset); cleared when the user chooses their own.
-- one_time_used_at: when the one-time password was used to sign in; a second
-- sign-in with it is refused (NULL: not used yet, or no one-time password).
-- deactivated_at: when the user was last deactivated (NULL while active).
-- updated_at: the last change by an admin or by the user's own password change.
ALTER TABLE users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN one_time_used_at BIGINT;
ALTER TABLE users ADD COLUMN deactivated_at BIGINT;
ALTER TABLE users ADD COLUMN updated_at BIGINT;
