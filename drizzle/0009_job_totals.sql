ALTER TABLE "jobs" ALTER COLUMN "progress" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "jobs" ALTER COLUMN "progress" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "total" integer;--> statement-breakpoint
-- Jobs that never reported progress show none (null), not 0 units done.
UPDATE "jobs" SET "progress" = NULL WHERE "progress" = 0;