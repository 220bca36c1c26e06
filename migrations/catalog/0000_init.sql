CREATE TABLE `inbox` (
	`consumer` text NOT NULL,
	`message_id` text NOT NULL,
	`processed_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	PRIMARY KEY(`consumer`, `message_id`)
);
--> statement-breakpoint
CREATE TABLE `products` (
	`id` text PRIMARY KEY NOT NULL,
	`sku` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`category` text NOT NULL,
	`price_amount` integer NOT NULL,
	`currency` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`version` integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `products_sku_unique` ON `products` (`sku`);--> statement-breakpoint
CREATE INDEX `products_category_id` ON `products` (`category`,`id`);--> statement-breakpoint
CREATE TABLE `stock_levels` (
	`sku` text NOT NULL,
	`region` text NOT NULL,
	`available` integer NOT NULL,
	`reserved` integer NOT NULL,
	`version` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`sku`, `region`)
);
