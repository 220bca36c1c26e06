CREATE TABLE `inbox` (
	`consumer` text NOT NULL,
	`message_id` text NOT NULL,
	`processed_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	PRIMARY KEY(`consumer`, `message_id`)
);
--> statement-breakpoint
CREATE TABLE `orders` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`status` text NOT NULL,
	`total_amount` integer NOT NULL,
	`currency` text NOT NULL,
	`items` text NOT NULL,
	`version` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `orders_customer_created` ON `orders` (`customer_id`,`created_at`);