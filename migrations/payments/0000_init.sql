CREATE TABLE `inbox` (
	`consumer` text NOT NULL,
	`message_id` text NOT NULL,
	`processed_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	PRIMARY KEY(`consumer`, `message_id`)
);
--> statement-breakpoint
CREATE TABLE `transactions` (
	`account_id` text NOT NULL,
	`seq` integer NOT NULL,
	`type` text NOT NULL,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`balance_after` integer NOT NULL,
	`reference` text,
	`occurred_at` integer NOT NULL,
	PRIMARY KEY(`account_id`, `seq`)
);
--> statement-breakpoint
CREATE INDEX `transactions_account_time` ON `transactions` (`account_id`,`occurred_at`);