#pragma once

/* One handler per command: returns < 0 with *err, 0 after replying, > 0 after --help. */

struct global_options;
struct json_object;
struct pea_error;
struct store;

int cmd_layer(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_image(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_container(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_status(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_sync(const struct global_options *g, int argc, char **argv, struct pea_error **err);
int cmd_check(const struct global_options *g, int argc, char **argv, struct pea_error **err);

/* A subcommand table shared by layer, image and container. */
struct subcommand {
	const char *name;
	int (*run)(const struct global_options *g, int argc, char **argv, struct pea_error **err);
};
int run_subcommand(const struct subcommand *table, const char *group, const char *usage,
		   const struct global_options *g, int argc, char **argv, struct pea_error **err);

/* An image's record as `image ls` lists it (cmd-image.c); container create --image-find's too. */
int image_record_json(struct store *s, const char *id, struct json_object **ret,
		      struct pea_error **err);
