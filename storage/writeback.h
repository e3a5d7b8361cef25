#pragma once

/*
 * The writeback of an apply's small files, started while it still writes: a thread
 * of its own calls syncfs(2) each time it is kicked (about every WRITEBACK_KICK bytes
 * written through the page cache), so that the disk works beside the apply rather than
 * all at its end, when the commit's syncfs waits for every dirty page at once. Best
 * effort: the commit's own sync is what makes the layer durable, and reports errors.
 */

struct writeback;

/* A kicker for the filesystem of fd (borrowed); NULL without a thread. */
struct writeback *writeback_new(int fd);

/* Start a syncfs on the thread unless one runs; never waits. */
void writeback_kick(struct writeback *w);

/* Wait for a syncfs that runs, and stop the thread. Accepts NULL. */
struct writeback *writeback_free(struct writeback *w);
