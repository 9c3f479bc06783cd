-- One active enterprise user (企业用户) per mobile number: they sign in with
-- it. The binding checks this before it writes, but two bindings of one
-- phone racing each other (concurrent transactions on PostgreSQL) could both
-- pass that check; this index lets only one of them commit.
CREATE UNIQUE INDEX users_enterprise_phone ON users(phone)
    WHERE role = 'enterprise_user' AND active = 1 AND phone <> '';
