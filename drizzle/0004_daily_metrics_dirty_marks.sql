-- Dirty marks become insert-only (one row per write and day; see src/db/schema/daily-metrics.ts).
-- Existing marks keep their days dirty: each gets an id. drizzle-kit put the primary key before
-- the column it names; reordered by hand.
ALTER TABLE "daily_metrics_dirty" DROP CONSTRAINT "daily_metrics_dirty_user_id_day_pk";--> statement-breakpoint
ALTER TABLE "daily_metrics_dirty" ADD COLUMN "id" bigint NOT NULL GENERATED ALWAYS AS IDENTITY (sequence name "daily_metrics_dirty_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1);--> statement-breakpoint
ALTER TABLE "daily_metrics_dirty" ADD CONSTRAINT "daily_metrics_dirty_user_id_day_id_pk" PRIMARY KEY("user_id","day","id");--> statement-breakpoint
ALTER TABLE "daily_metrics_dirty" DROP COLUMN "version";
