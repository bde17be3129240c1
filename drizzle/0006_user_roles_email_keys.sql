-- Roles live in the database, granted by the operator command only; emails are compared by a key
-- (auth/email.ts: NFKC + case fold) that the unique index enforces. Existing rows get the key
-- Postgres can compute (exact for ASCII addresses; runMigrations recomputes the others in
-- JavaScript); of two existing accounts whose keys collide, the later one gets a key that no
-- email can produce, and keeps its data.
ALTER TABLE "users" ADD COLUMN "email_key" text;--> statement-breakpoint
UPDATE "users" u SET "email_key" = lower(normalize(trim(u."email"), NFKC)) || CASE
  WHEN EXISTS (
    SELECT 1 FROM "users" v
    WHERE v."id" < u."id" AND lower(normalize(trim(v."email"), NFKC)) = lower(normalize(trim(u."email"), NFKC))
  ) THEN ' (duplicate of an earlier account, user ' || u."id" || ')'
  ELSE '' END;--> statement-breakpoint
ALTER TABLE "users" ALTER COLUMN "email_key" SET NOT NULL;--> statement-breakpoint
DROP INDEX "users_email_lower_key";--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_key_key" ON "users" USING btree ("email_key");--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "role" text DEFAULT 'user' NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_role_check" CHECK ("users"."role" in ('user', 'admin'));
