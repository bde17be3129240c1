-- Roll up the expenses that existed before daily_metrics did, and mark every existing user as
-- covered; from here on every change marks its day dirty and queues its rollup.
INSERT INTO "daily_metrics" ("user_id", "day", "category_id", "total", "count")
SELECT "user_id", "expense_date", coalesce("category_id", 0), sum("amount"), count(*)
FROM "expenses"
GROUP BY "user_id", "expense_date", coalesce("category_id", 0);
--> statement-breakpoint
INSERT INTO "daily_metrics_coverage" ("user_id") SELECT "id" FROM "users";
