CREATE TABLE `email_directory` (
	`email_key` text PRIMARY KEY NOT NULL,
	`region` text NOT NULL,
	`created_at` integer NOT NULL
);
