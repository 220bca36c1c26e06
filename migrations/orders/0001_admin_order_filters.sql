CREATE INDEX `orders_created_id` ON `orders` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `orders_status_created_id` ON `orders` (`status`,`created_at`,`id`);