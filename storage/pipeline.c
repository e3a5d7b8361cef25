/*
 * The one thread of pea-storage (docs/HACKING.md: worker processes otherwise): the
 * producer shares nothing with the consumer but the ring below, whose slots it fills
 * in order and the consumer empties in order, under one mutex.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "lib/xalloc.h"
#include "pipeline.h"

/* buffers in the ring: the consumer's two, and room for the producer to run ahead */
#define PIPELINE_NBUF 8
/* the consumer keeps the last two blocks it was given */
#define PIPELINE_KEEP 2

struct pipeline {
	pipeline_produce_fn produce;
	void *data;
	size_t block;
	char *buf[PIPELINE_NBUF];
	ssize_t len[PIPELINE_NBUF];
	pthread_t thread;
	bool joined; /* the thread was waited for */
	pthread_mutex_t lock;
	pthread_cond_t changed;
	uint64_t made;	/* blocks the producer has made (its next is made % NBUF) */
	uint64_t taken; /* blocks the consumer was given */
	bool ended;	/* the producer made its last block (a 0 or an error) */
	bool stop;	/* the consumer gave up */
	int stop_fd;	/* an eventfd, readable once stop is set */
};

/* No slot is free: one is once the consumer is past it and has let it go (under the lock). */
static bool ring_full(const struct pipeline *p)
{
	uint64_t released = p->taken >= PIPELINE_KEEP ? p->taken - PIPELINE_KEEP : 0;

	return p->made - released >= PIPELINE_NBUF;
}

static void *producer(void *arg)
{
	struct pipeline *p = arg;

	for (;;) {
		uint64_t slot;
		ssize_t n;

		pthread_mutex_lock(&p->lock);
		while (!p->stop && ring_full(p))
			pthread_cond_wait(&p->changed, &p->lock);
		if (p->stop) {
			p->ended = true;
			pthread_cond_broadcast(&p->changed);
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		slot = p->made % PIPELINE_NBUF;
		pthread_mutex_unlock(&p->lock);

		n = p->produce(p->data, p->buf[slot], p->block);

		pthread_mutex_lock(&p->lock);
		p->len[slot] = n;
		p->made++;
		if (n <= 0)
			p->ended = true;
		pthread_cond_broadcast(&p->changed);
		pthread_mutex_unlock(&p->lock);
		if (n <= 0)
			return NULL;
	}
}

struct pipeline *pipeline_start(pipeline_produce_fn produce, void *data, size_t block,
				int *ret_stop_fd)
{
	struct pipeline *p = xnew(struct pipeline, 1);
	int r;

	p->produce = produce;
	p->data = data;
	p->block = block;
	p->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->stop_fd < 0) {
		free(p);
		return NULL;
	}
	for (int i = 0; i < PIPELINE_NBUF; i++)
		p->buf[i] = xmalloc(block);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->changed, NULL);
	/* before the thread: its first read polls it already */
	*ret_stop_fd = p->stop_fd;
	r = pthread_create(&p->thread, NULL, producer, p);
	if (r != 0) {
		*ret_stop_fd = -1;
		for (int i = 0; i < PIPELINE_NBUF; i++)
			free(p->buf[i]);
		close(p->stop_fd);
		free(p);
		errno = r;
		return NULL;
	}
	return p;
}

ssize_t pipeline_next(struct pipeline *p, const char **ret_buf)
{
	uint64_t slot;
	ssize_t n;

	pthread_mutex_lock(&p->lock);
	while (p->made == p->taken && !p->ended)
		pthread_cond_wait(&p->changed, &p->lock);
	if (p->made == p->taken) {
		/* ended without a block for us: only after a stop, which the caller made */
		pthread_mutex_unlock(&p->lock);
		errno = ECANCELED;
		return -1;
	}
	slot = p->taken % PIPELINE_NBUF;
	n = p->len[slot];
	/* the last block (0 or an error) stays the last: it is handed out again */
	if (n > 0)
		p->taken++;
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
	if (n < 0 && !p->joined) {
		/* the producer's state (its error) is the caller's to read now */
		pthread_join(p->thread, NULL);
		p->joined = true;
	}
	*ret_buf = p->buf[slot];
	return n;
}

struct pipeline *pipeline_free(struct pipeline *p)
{
	if (!p)
		return NULL;
	if (!p->joined) {
		uint64_t one = 1;

		pthread_mutex_lock(&p->lock);
		p->stop = true;
		pthread_cond_broadcast(&p->changed);
		pthread_mutex_unlock(&p->lock);
		if (write(p->stop_fd, &one, sizeof(one)) < 0) {
			/* an eventfd's counter does not overflow at 1 */
		}
		pthread_join(p->thread, NULL);
	}
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->changed);
	for (int i = 0; i < PIPELINE_NBUF; i++)
		free(p->buf[i]);
	close(p->stop_fd);
	free(p);
	return NULL;
}
