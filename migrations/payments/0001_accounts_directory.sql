CREATE TABLE `accounts` (
	`account_id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`region` text NOT NULL,
	`currency` text NOT NULL,
	`opened_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `accounts_customer_id_unique` ON `accounts` (`customer_id`);